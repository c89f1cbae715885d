// Models already on disk: a Hugging Face cache laid out as huggingface_hub lays it out (snapshots of links into
// blobs, refs/main, an unfinished download, a model we cannot run, a GGUF repository), a ModelScope cache (its
// "___" for a dot) and the user's own folders — found, described, and the ones we cannot run listed with why.
#include "app/demo_model.h"
#include "app/model_discovery.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

class TestModelDiscovery : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    QString m_demo; ///< a real (tiny) DeepSeek-V3 folder to lay out in the caches
    const QString m_gguf = QStringLiteral(WS_SOURCE_DIR "/tests/app/fixtures/tiny-q2_k.gguf");

    static void write(const QString& path, const QByteArray& bytes) {
        QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(bytes), bytes.size());
    }
    static QByteArray read(const QString& path) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
    /// Puts `files` (name → content) into an HF cache repository as huggingface_hub does: each content once in
    /// blobs/ under its hash, the snapshot's files relative links to it. Returns the bytes of the snapshot.
    static qint64 hfSnapshot(const QString& repoDir, const QString& revision, const QMap<QString, QByteArray>& files) {
        qint64 total = 0;
        for (auto it = files.cbegin(); it != files.cend(); ++it) {
            const QString hash = QString::fromLatin1(QCryptographicHash::hash(it.value(), QCryptographicHash::Sha256).toHex());
            const QString blob = QDir(repoDir).filePath(QStringLiteral("blobs/") + hash);
            if (!QFile::exists(blob))
                write(blob, it.value());
            const QString link = QDir(repoDir).filePath(QStringLiteral("snapshots/%1/%2").arg(revision, it.key()));
            QDir().mkpath(QFileInfo(link).absolutePath());
            const int depth = static_cast<int>(it.key().count(QLatin1Char('/'))) + 2;
            QString up;
            for (int i = 0; i < depth; ++i)
                up += QStringLiteral("../");
            if (!QFile::link(up + QStringLiteral("blobs/") + hash, link))
                qFatal("cannot link %s", qPrintable(link));
            total += it.value().size();
        }
        return total;
    }
    QMap<QString, QByteArray> demoFiles() const {
        QMap<QString, QByteArray> files;
        for (const QString& name : QDir(m_demo).entryList(QDir::Files))
            if (name != QLatin1String("whalesong-demo.json"))
                files[name] = read(QDir(m_demo).filePath(name));
        return files;
    }
    static const FoundModel* find(const std::vector<FoundModel>& found, const QString& name) {
        for (const FoundModel& m : found)
            if (m.name == name)
                return &m;
        return nullptr;
    }

  private slots:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        m_demo = QDir(m_tmp.path()).filePath(QStringLiteral("demo"));
        const ws::Status s = DemoModel::ensure(m_demo);
        QVERIFY2(s.isOk(), s.message().c_str());
    }

    void cachesAndFoldersAreFoundAndDescribed() {
        const QDir root(m_tmp.path());
        const QString hf = root.filePath(QStringLiteral("hf-hub"));
        const QString ms = root.filePath(QStringLiteral("modelscope"));
        const QString mine = root.filePath(QStringLiteral("my-models"));

        // Hugging Face: refs/main picks the snapshot; an older one is not listed.
        const QString v3 = QDir(hf).filePath(QStringLiteral("models--deepseek-ai--DeepSeek-V3-tiny"));
        const qint64 v3Bytes = hfSnapshot(v3, QStringLiteral("abc123"), demoFiles());
        hfSnapshot(v3, QStringLiteral("old000"), {{QStringLiteral("config.json"), read(QDir(m_demo).filePath(QStringLiteral("config.json")))}});
        write(QDir(v3).filePath(QStringLiteral("refs/main")), "abc123");
        // A download that stopped: the weights are still a blob.incomplete, the snapshot has no link to them.
        QMap<QString, QByteArray> partial = demoFiles();
        partial.remove(QStringLiteral("model.safetensors"));
        const QString broken = QDir(hf).filePath(QStringLiteral("models--someone--Half-Downloaded"));
        hfSnapshot(broken, QStringLiteral("def456"), partial);
        write(QDir(broken).filePath(QStringLiteral("blobs/0123.incomplete")), QByteArray(1000, 'x'));
        // A model of another architecture.
        const QString llama = QDir(hf).filePath(QStringLiteral("models--meta-llama--Tiny-Llama"));
        hfSnapshot(llama, QStringLiteral("aaa111"),
                   {{QStringLiteral("config.json"), QJsonDocument(QJsonObject{{QStringLiteral("model_type"), QStringLiteral("llama")}}).toJson()}});
        // A GGUF repository: one quantization per subfolder.
        const QString ggufRepo = QDir(hf).filePath(QStringLiteral("models--unsloth--Tiny-DeepSeek-GGUF"));
        hfSnapshot(ggufRepo, QStringLiteral("bbb222"), {{QStringLiteral("Q2_K/tiny-q2_k.gguf"), read(m_gguf)}});
        // Not models: datasets and spaces share the cache.
        hfSnapshot(QDir(hf).filePath(QStringLiteral("datasets--someone--data")), QStringLiteral("ccc333"),
                   {{QStringLiteral("config.json"), "{}"}});

        // ModelScope: models/ORG/NAME, a dot written "___".
        const QString msModel = QDir(ms).filePath(QStringLiteral("models/deepseek-ai/DeepSeek-V2___5-tiny"));
        for (auto [name, bytes] : demoFiles().asKeyValueRange())
            write(QDir(msModel).filePath(name), bytes);

        // The user's folder of models: a model folder, a loose GGUF file, and a folder that holds no model.
        for (auto [name, bytes] : demoFiles().asKeyValueRange())
            write(QDir(mine).filePath(QStringLiteral("copied-demo/") + name), bytes);
        QVERIFY(QFile::copy(m_gguf, QDir(mine).filePath(QStringLiteral("loose.gguf"))));
        write(QDir(mine).filePath(QStringLiteral("notes/readme.txt")), "not a model");

        DiscoveryRoots roots;
        roots.huggingFace = {hf};
        roots.modelScope = {ms};
        roots.userFolders = {mine, QDir(hf).filePath(QStringLiteral("models--deepseek-ai--DeepSeek-V3-tiny/snapshots/abc123"))};
        const std::vector<FoundModel> found = discoverModels(roots);
        QStringList names;
        for (const FoundModel& m : found)
            names << m.name;
        QCOMPARE(names, (QStringList{QStringLiteral("deepseek-ai/DeepSeek-V3-tiny"), QStringLiteral("meta-llama/Tiny-Llama"),
                                     QStringLiteral("someone/Half-Downloaded"),
                                     QStringLiteral("unsloth/Tiny-DeepSeek-GGUF/Q2_K/tiny-q2_k.gguf"),
                                     QStringLiteral("deepseek-ai/DeepSeek-V2.5-tiny"), QStringLiteral("copied-demo"),
                                     QStringLiteral("loose.gguf")}));

        const FoundModel* m = find(found, QStringLiteral("deepseek-ai/DeepSeek-V3-tiny"));
        QVERIFY(m);
        QCOMPARE(m->source, FoundModel::Source::HuggingFace);
        QVERIFY2(m->runnable(), qPrintable(m->problems.join(QLatin1Char('\n'))));
        QCOMPARE(m->revision, QStringLiteral("abc123"));
        QCOMPARE(m->path, QDir(v3).filePath(QStringLiteral("snapshots/abc123")));
        QCOMPARE(qint64(m->bytes), v3Bytes); // through the links, to the blobs
        QVERIFY(m->info);
        QCOMPARE(QString::fromStdString(m->info->architecture), QStringLiteral("deepseek_v3"));
        QVERIFY(m->info->parametersTotal > 0);
        QCOMPARE(m->format, QStringLiteral("safetensors BF16"));

        m = find(found, QStringLiteral("someone/Half-Downloaded"));
        QVERIFY(m);
        QVERIFY(!m->runnable()); // listed, with the reason
        QVERIFY2(m->problems.join(QLatin1Char(' ')).contains(QLatin1String("safetensors")),
                 qPrintable(m->problems.join(QLatin1Char('\n'))));

        m = find(found, QStringLiteral("meta-llama/Tiny-Llama"));
        QVERIFY(m);
        QVERIFY(!m->runnable());
        QVERIFY2(m->problems.join(QLatin1Char(' ')).contains(QLatin1String("llama")), qPrintable(m->problems.join(QLatin1Char('\n'))));

        m = find(found, QStringLiteral("unsloth/Tiny-DeepSeek-GGUF/Q2_K/tiny-q2_k.gguf"));
        QVERIFY(m);
        QVERIFY2(m->runnable(), qPrintable(m->problems.join(QLatin1Char('\n'))));
        QCOMPARE(m->format, QStringLiteral("GGUF Q2_K"));
        QCOMPARE(qint64(m->bytes), QFileInfo(m_gguf).size());

        m = find(found, QStringLiteral("deepseek-ai/DeepSeek-V2.5-tiny"));
        QVERIFY(m);
        QCOMPARE(m->source, FoundModel::Source::ModelScope);
        QVERIFY(m->runnable());

        m = find(found, QStringLiteral("copied-demo"));
        QVERIFY(m);
        QCOMPARE(m->source, FoundModel::Source::UserFolder);
        QVERIFY(m->runnable());
        QVERIFY(find(found, QStringLiteral("loose.gguf")));
        QVERIFY(!find(found, QStringLiteral("notes")));
        // The snapshot added as a user folder too is listed once, as the cache's.
        int snapshots = 0;
        for (const FoundModel& f : found)
            snapshots += QFileInfo(f.path).canonicalFilePath() ==
                                 QFileInfo(QDir(v3).filePath(QStringLiteral("snapshots/abc123"))).canonicalFilePath()
                             ? 1
                             : 0;
        QCOMPARE(snapshots, 1);
    }

    void cachesFollowTheHubsEnvironment() {
        const QByteArray hubCache = qgetenv("HF_HUB_CACHE"), hfHome = qgetenv("HF_HOME"), msCache = qgetenv("MODELSCOPE_CACHE"),
                         xdg = qgetenv("XDG_CACHE_HOME");
        qunsetenv("HF_HUB_CACHE");
        qunsetenv("MODELSCOPE_CACHE");
        qputenv("HF_HOME", "/data/hf");
        DiscoveryRoots r = DiscoveryRoots::fromEnvironment({QStringLiteral("/models")});
        QCOMPARE(r.huggingFace, QStringList{QStringLiteral("/data/hf/hub")});
        QCOMPARE(r.modelScope, QStringList{QDir::homePath() + QStringLiteral("/.cache/modelscope/hub")});
        QCOMPARE(r.userFolders, QStringList{QStringLiteral("/models")});
        qunsetenv("HF_HOME");
        qputenv("XDG_CACHE_HOME", "/xdg");
        QCOMPARE(DiscoveryRoots::fromEnvironment().huggingFace, QStringList{QStringLiteral("/xdg/huggingface/hub")});
        qputenv("HF_HUB_CACHE", "/fast/hub");
        qputenv("MODELSCOPE_CACHE", "/ms");
        r = DiscoveryRoots::fromEnvironment();
        QCOMPARE(r.huggingFace, QStringList{QStringLiteral("/fast/hub")});
        QCOMPARE(r.modelScope, QStringList{QStringLiteral("/ms")});
        const auto restore = [](const char* name, const QByteArray& v) {
            if (v.isNull())
                qunsetenv(name);
            else
                qputenv(name, v);
        };
        restore("HF_HUB_CACHE", hubCache);
        restore("HF_HOME", hfHome);
        restore("MODELSCOPE_CACHE", msCache);
        restore("XDG_CACHE_HOME", xdg);
    }

    void missingRootsFindNothing() {
        DiscoveryRoots r;
        r.huggingFace = {QDir(m_tmp.path()).filePath(QStringLiteral("no-hf"))};
        r.modelScope = {QDir(m_tmp.path()).filePath(QStringLiteral("no-ms"))};
        r.userFolders = {QDir(m_tmp.path()).filePath(QStringLiteral("no-folder")), m_demo + QStringLiteral("/config.json")};
        QVERIFY(discoverModels(r).empty());
    }
};

QTEST_GUILESS_MAIN(TestModelDiscovery)
#include "tst_model_discovery.moc"
