// tst_demo_model: DemoModel::ensure() writes a loadable demo model (the real tokenizer, random BF16 weights)
// once, atomically; a second call touches nothing; leftovers are cleaned; cancel leaves nothing; isDemo tells
// it apart.
#include "demo_model.h"
#include "helpers/test_files.h"
#include "whalesong/model.h"
#include "whalesong/random_model.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <map>
#include <vector>

#include "whalesong/generate.h"

namespace {

const QStringList kFiles = {QStringLiteral("config.json"), QStringLiteral("model.safetensors"),
                            QStringLiteral("tokenizer.json"), QStringLiteral("tokenizer_config.json"),
                            QStringLiteral("whalesong-demo.json")};

std::string local(const QString& path) { return QFile::encodeName(path).toStdString(); }

/// file name → (size, modification time in ms)
std::map<QString, std::pair<qint64, qint64>> snapshot(const QString& folder) {
    std::map<QString, std::pair<qint64, qint64>> s;
    for (const QFileInfo& fi : QDir(folder).entryInfoList(QDir::Files | QDir::Hidden))
        s[fi.fileName()] = {fi.size(), fi.lastModified().toMSecsSinceEpoch()};
    return s;
}

} // namespace

class TestDemoModel : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase();
    void theResourcesAreTheTokenizerTheReadmeDescribes();
    void ensureWritesEveryFileAndReportsProgressUpToOne();
    void theModelLoadsTokenizesChineseAndGenerates();
    void aSecondEnsureTouchesNothing();
    void aLeftoverTemporaryFolderIsRemoved();
    void aCancelLeavesNothingBehind();
    void isDemoOnlyForADemoModel();
    void anIncompleteFolderIsRebuiltButAForeignOneIsLeftAlone();
    void theDefaultFolderIsInTheAppDataLocation();

  private:
    QTemporaryDir m_tmp;
    QString m_folder;
    std::vector<double> m_progress;
};

void TestDemoModel::initTestCase() {
    QVERIFY(m_tmp.isValid());
    m_folder =
        QDir(m_tmp.path()).filePath(QStringLiteral("data/demo-model")); // the parent does not exist yet
    const ws::Status s = DemoModel::ensure(m_folder, [this](double f) {
        m_progress.push_back(f);
        return true;
    });
    QVERIFY2(s.isOk(), s.message().c_str());
}

void TestDemoModel::theResourcesAreTheTokenizerTheReadmeDescribes() {
    const QByteArray readme = readAll(QStringLiteral(WS_SOURCE_DIR "/resources/demo/README.md"));
    const QRegularExpressionMatch m =
        QRegularExpression(QStringLiteral("\\b[0-9a-f]{64}\\b")).match(QString::fromUtf8(readme));
    QVERIFY2(m.hasMatch(), "resources/demo/README.md names no sha256");
    const QByteArray tokenizer = readAll(QStringLiteral(":/demo/tokenizer.json"));
    QVERIFY(tokenizer.size() > 1000000);
    QCOMPARE(QString::fromLatin1(QCryptographicHash::hash(tokenizer, QCryptographicHash::Sha256).toHex()),
             m.captured());
    QCOMPARE(readAll(QStringLiteral(":/demo/tokenizer_config.json")),
             readAll(QStringLiteral(WS_SOURCE_DIR "/resources/demo/tokenizer_config.json")));
    // … and the demo folder holds exactly them.
    QCOMPARE(readAll(QDir(m_folder).filePath(QStringLiteral("tokenizer.json"))), tokenizer);
    QCOMPARE(readAll(QDir(m_folder).filePath(QStringLiteral("tokenizer_config.json"))),
             readAll(QStringLiteral(":/demo/tokenizer_config.json")));
}

void TestDemoModel::ensureWritesEveryFileAndReportsProgressUpToOne() {
    QStringList names = QDir(m_folder).entryList(QDir::Files | QDir::Hidden);
    names.sort();
    QStringList want = kFiles;
    want.sort();
    QCOMPARE(names, want);
    QCOMPARE(readAll(QDir(m_folder).filePath(QStringLiteral("config.json"))),
             QByteArray::fromStdString(ws::demoModelConfigJson()));
    const QJsonObject marker =
        QJsonDocument::fromJson(readAll(QDir(m_folder).filePath(QStringLiteral("whalesong-demo.json"))))
            .object();
    QCOMPARE(marker.value(QLatin1String("demo")).toBool(), true);
    QCOMPARE(marker.value(QLatin1String("note")).toString(),
             QStringLiteral("random weights: meaningless text"));
    QVERIFY(!QFileInfo::exists(m_folder + QStringLiteral(".partial")));

    QVERIFY(m_progress.size() > 20);
    for (std::size_t i = 1; i < m_progress.size(); ++i)
        QVERIFY2(m_progress[i] >= m_progress[i - 1], qPrintable(QString::number(i)));
    QVERIFY(m_progress.front() >= 0.0);
    QCOMPARE(m_progress.back(), 1.0);
}

void TestDemoModel::theModelLoadsTokenizesChineseAndGenerates() {
    ws::LoadOptions opt;
    opt.threads = 2;
    auto model = ws::Model::load(local(m_folder), opt);
    QVERIFY2(model.isOk(), model.status().message().c_str());
    const ws::Model& m = *model.value();
    QCOMPARE(m.config().vocab_size, 129280);
    QCOMPARE(m.info().weightDtypes, std::vector<std::string>{"BF16"});

    const std::string text = QStringLiteral("你好，鲸歌").toStdString();
    const std::vector<ws::TokenId> ids = m.tokenizer().encode(text);
    QVERIFY(!ids.empty());
    QVERIFY(ids.size() < text.size()); // real merges, not one id per byte
    QCOMPARE(m.tokenizer().decode(ids), text);

    auto session = m.newSession();
    QVERIFY2(session.isOk(), session.status().message().c_str());
    ws::SamplingParams params;
    params.temperature = 1.0f;
    params.seed = 7;
    ws::Sampler sampler(params);
    ws::GenerateOptions go;
    go.maxTokens = 6;
    go.ignoreEos = true;
    const ws::ChatMessage user{"user", text, {}};
    auto prompt = m.tokenizer().renderChat(std::span(&user, 1), true);
    QVERIFY2(prompt.isOk(), prompt.status().message().c_str());
    const std::vector<ws::TokenId> promptIds = m.tokenizer().encode(prompt.value());
    int events = 0;
    auto result = ws::generate(*session.value(), m.tokenizer(), promptIds, sampler, go,
                               [&events](const ws::TokenEvent&) { ++events; });
    QVERIFY2(result.isOk(), result.status().message().c_str());
    QCOMPARE(result.value().outputIds.size(), std::size_t{6});
    QCOMPARE(events, 6);
    for (const ws::TokenId id : result.value().outputIds)
        QVERIFY(id >= 0 && id < 129280);
}

void TestDemoModel::aSecondEnsureTouchesNothing() {
    const auto before = snapshot(m_folder);
    QTest::qWait(20); // a rewrite would show in the modification times
    std::vector<double> progress;
    QElapsedTimer timer;
    timer.start();
    const ws::Status s = DemoModel::ensure(m_folder, [&progress](double f) {
        progress.push_back(f);
        return true;
    });
    QVERIFY2(s.isOk(), s.message().c_str());
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(snapshot(m_folder), before);
    QCOMPARE(progress, std::vector<double>{1.0});
    QVERIFY(!QFileInfo::exists(m_folder + QStringLiteral(".partial")));
}

void TestDemoModel::aLeftoverTemporaryFolderIsRemoved() {
    // What a kill in the middle of a first ensure() leaves: a half-written sibling folder.
    const QString partial = m_folder + QStringLiteral(".partial");
    QVERIFY(QDir().mkpath(partial + QStringLiteral("/sub")));
    writeFile(partial + QStringLiteral("/model.safetensors.tmp"), QByteArray(4096, 'x'));
    const auto before = snapshot(m_folder);
    const ws::Status s = DemoModel::ensure(m_folder);
    QVERIFY2(s.isOk(), s.message().c_str());
    QVERIFY(!QFileInfo::exists(partial));
    QCOMPARE(snapshot(m_folder), before); // the complete model itself is left as it was
}

void TestDemoModel::aCancelLeavesNothingBehind() {
    const QString folder = QDir(m_tmp.path()).filePath(QStringLiteral("cancelled/demo-model"));
    int calls = 0;
    const ws::Status s = DemoModel::ensure(folder, [&calls](double f) { return ++calls < 10 || f < 0.3; });
    QCOMPARE(s.code(), ws::Code::Cancelled);
    QVERIFY2(s.message().find("demo-model") != std::string::npos, s.message().c_str());
    QVERIFY(!QFileInfo::exists(folder));
    QVERIFY(!QFileInfo::exists(folder + QStringLiteral(".partial")));
    QVERIFY(!DemoModel::isDemo(folder));
    QCOMPARE(QDir(QFileInfo(folder).absolutePath())
                 .entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
             QStringList()); // no lock file either
}

void TestDemoModel::isDemoOnlyForADemoModel() {
    QVERIFY(DemoModel::isDemo(m_folder));
    QVERIFY(!DemoModel::isDemo(m_tmp.path()));
    QVERIFY(!DemoModel::isDemo(QDir(m_tmp.path()).filePath(QStringLiteral("nowhere"))));
    // A folder whose marker says otherwise, or is not JSON, is not a demo.
    const QString other = QDir(m_tmp.path()).filePath(QStringLiteral("other"));
    QVERIFY(QDir().mkpath(other));
    writeFile(other + QStringLiteral("/whalesong-demo.json"), "{\"demo\": false}");
    QVERIFY(!DemoModel::isDemo(other));
    writeFile(other + QStringLiteral("/whalesong-demo.json"), "demo");
    QVERIFY(!DemoModel::isDemo(other));
    writeFile(other + QStringLiteral("/whalesong-demo.json"), "{\"demo\": true}");
    QVERIFY(DemoModel::isDemo(other));
}

void TestDemoModel::anIncompleteFolderIsRebuiltButAForeignOneIsLeftAlone() {
    // A folder holding something else is refused and left as it was.
    const QString foreign = QDir(m_tmp.path()).filePath(QStringLiteral("foreign"));
    QVERIFY(QDir().mkpath(foreign));
    writeFile(foreign + QStringLiteral("/config.json"), "{}");
    writeFile(foreign + QStringLiteral("/notes.txt"), "mine");
    const ws::Status refused = DemoModel::ensure(foreign);
    QCOMPARE(refused.code(), ws::Code::InvalidArgument);
    QVERIFY2(refused.message().find("notes.txt") != std::string::npos, refused.message().c_str());
    QCOMPARE(readAll(foreign + QStringLiteral("/notes.txt")), QByteArray("mine"));
    QCOMPARE(readAll(foreign + QStringLiteral("/config.json")), QByteArray("{}"));

    // The demo model with a file lost is made whole again, with the same weights (fixed seed).
    const QByteArray weights = readAll(QDir(m_folder).filePath(QStringLiteral("model.safetensors")));
    QVERIFY(weights.size() > 100000000);
    QVERIFY(QFile::remove(QDir(m_folder).filePath(QStringLiteral("tokenizer.json"))));
    const ws::Status s = DemoModel::ensure(m_folder);
    QVERIFY2(s.isOk(), s.message().c_str());
    QVERIFY(QFileInfo::exists(QDir(m_folder).filePath(QStringLiteral("tokenizer.json"))));
    QVERIFY(DemoModel::isDemo(m_folder));
    QVERIFY(readAll(QDir(m_folder).filePath(QStringLiteral("model.safetensors"))) == weights);
}

void TestDemoModel::theDefaultFolderIsInTheAppDataLocation() {
    QCOMPARE(DemoModel::defaultFolder(),
             QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
                 .filePath(QStringLiteral("demo-model")));
}

QTEST_GUILESS_MAIN(TestDemoModel)
#include "tst_demo_model.moc"
