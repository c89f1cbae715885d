// Model downloads against a local stand-in for Hugging Face's and ModelScope's file APIs (fixtures/fake_hub.py):
// a real tiny model served, faults injected — a dropped connection, 429 with Retry-After, 5xx, a wrong checksum,
// a stall, a full disk, a pause, an app restart, a cancel — each ending in a verified model in the hubs' own
// layout or a clear message, never a damaged model shown as ready; and the system proxy honoured.
#include "app/demo_model.h"
#include "app/download_manager.h"
#include "app/hub.h"
#include "app/model_discovery.h"
#include "fake_hub.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

class TestModelDownload : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    QString m_modelDir; ///< a real (tiny) model the fake hub serves as deepseek-test/tiny-v3 (~150 MB)
    QString m_repoDir;  ///< a light repository of the same file names (random bytes, ~3 MB): deepseek-test/light
    const QString m_commit = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
    FakeHub m_hub;
    QString m_base; ///< http://127.0.0.1:PORT
    int m_case = 0;

    void setFaults(const QJsonArray& faults) { m_hub.setFaults(faults); }
    QJsonArray requestLog() { return m_hub.requests(); }
    /// The Range headers sent for paths ending in `suffix`, in order ("" for none).
    QStringList rangesFor(const QString& suffix) {
        QStringList out;
        for (const QJsonValue& v : requestLog()) {
            const QJsonObject o = v.toObject();
            if (o.value(QLatin1String("path")).toString().endsWith(suffix))
                out << o.value(QLatin1String("range")).toString();
        }
        return out;
    }
    static QByteArray read(const QString& path) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
    static QString sha256Of(const QString& path) {
        return QString::fromLatin1(QCryptographicHash::hash(read(path), QCryptographicHash::Sha256).toHex());
    }
    /// A fresh scratch folder for one test.
    QString scratch(const QString& name) {
        const QString dir = m_tmp.filePath(QStringLiteral("case%1-%2").arg(++m_case).arg(name));
        QDir().mkpath(dir);
        return dir;
    }
    HubSource hf() const { return HubSource::mirror(m_base); }
    HubSource ms() const { return HubSource{HubSource::Kind::ModelScope, m_base}; }
    HubListing lookUp(DownloadManager& m, const HubSource& source, const QString& repo, QString* error = nullptr) {
        QSignalSpy spy(&m, &DownloadManager::lookedUp);
        const int token = m.lookUp(source, HubRepo{repo, {}});
        if (!spy.wait(20000))
            return {};
        const QList<QVariant> args = spy.takeFirst();
        if (args.at(0).toInt() != token)
            return {};
        if (error)
            *error = args.at(2).toString();
        return args.at(1).value<HubListing>();
    }
    DownloadRequest request(const HubSource& source, const HubListing& listing, const QString& dest,
                            DownloadDestination::Kind kind = DownloadDestination::Kind::HuggingFaceCache,
                            const QString& repoId = QStringLiteral("deepseek-test/light")) {
        DownloadRequest r;
        r.source = source;
        r.repo = HubRepo{repoId, {}};
        r.listing = listing;
        r.destination = DownloadDestination{kind, dest};
        return r;
    }
    static DownloadManager::Policy quick() {
        DownloadManager::Policy p;
        p.backoffMs = 20;
        p.maxBackoffMs = 200;
        p.stallMs = 1500;
        return p;
    }
    static bool waitFor(DownloadManager& m, const QString& id, DownloadState state, int ms = 60000) {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < ms) {
            const auto s = m.status(id);
            if (s && s->state == state)
                return true;
            if (s && state != DownloadState::Failed && s->state == DownloadState::Failed) {
                qWarning() << "failed:" << s->message;
                return false;
            }
            QTest::qWait(20);
        }
        return false;
    }
    /// Every file of the served model in the snapshot, linked into blobs named by their hashes, no leftovers.
    void checkHfCache(const QString& cache, bool realModel = false) {
        const QString repoId = realModel ? QStringLiteral("deepseek-test/tiny-v3") : QStringLiteral("deepseek-test/light");
        const QString served = realModel ? m_modelDir : m_repoDir;
        const QDir repo(huggingFaceRepoFolder(cache, repoId));
        const QString snapshot = repo.filePath(QStringLiteral("snapshots/") + m_commit);
        QDirIterator it(served, QDir::Files, QDirIterator::Subdirectories);
        int n = 0;
        while (it.hasNext()) {
            const QString src = it.next();
            const QString rel = QDir(served).relativeFilePath(src);
            const QFileInfo link(QDir(snapshot).filePath(rel));
            QVERIFY2(link.isSymLink(), qPrintable(rel));
            QVERIFY2(std::filesystem::read_symlink(link.absoluteFilePath().toStdString()).is_relative(), qPrintable(rel));
            QCOMPARE(read(link.absoluteFilePath()), read(src));
            const QString blobName = QFileInfo(link.symLinkTarget()).fileName();
            const QByteArray bytes = read(src);
            if (bytes.size() > 1000)
                QCOMPARE(blobName, sha256Of(src));
            else
                QCOMPARE(blobName, QString::fromLatin1(QCryptographicHash::hash(QByteArray("blob ") + QByteArray::number(bytes.size()) +
                                                                                    QByteArray(1, '\0') + bytes,
                                                                                QCryptographicHash::Sha1)
                                                           .toHex()));
            ++n;
        }
        QVERIFY(n >= 4);
        QCOMPARE(QString::fromUtf8(read(repo.filePath(QStringLiteral("refs/main")))), m_commit);
        QVERIFY(repo.entryList({QStringLiteral("*.incomplete")}, QDir::Files).isEmpty());
        QVERIFY(QDir(repo.filePath(QStringLiteral("blobs"))).entryList({QStringLiteral("*.incomplete")}).isEmpty());
        QCOMPARE(QDir(repo.filePath(QStringLiteral("snapshots"))).entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden),
                 QStringList{m_commit});
        if (!realModel)
            return;
        // The model is found where huggingface_hub's own tools put it, and runs.
        DiscoveryRoots roots;
        roots.huggingFace << cache;
        const auto found = discoverModels(roots);
        QCOMPARE(found.size(), size_t(1));
        QCOMPARE(found[0].name, repoId);
        QCOMPARE(found[0].revision, m_commit);
        QVERIFY2(found[0].runnable(), qPrintable(found[0].problems.join(QLatin1Char('\n'))));
    }

  private slots:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        m_modelDir = m_tmp.filePath(QStringLiteral("served-model"));
        QVERIFY(DemoModel::ensure(m_modelDir).ok());
        QFile::remove(QDir(m_modelDir).filePath(QStringLiteral("whalesong-demo.json"))); // served as a plain model
        m_repoDir = m_tmp.filePath(QStringLiteral("served-light"));
        QRandomGenerator rng(QRandomGenerator::global()->generate());
        auto randomBytes = [&](qsizetype n) {
            QByteArray b(n, Qt::Uninitialized);
            for (char& c : b)
                c = static_cast<char>(rng.generate() & 0xFF);
            return b;
        };
        for (const auto& [path, bytes] : {std::pair{QStringLiteral("config.json"), QByteArray("{\"model_type\": \"deepseek_v3\"}\n")},
                                          std::pair{QStringLiteral("model.safetensors"), randomBytes(3'000'000)},
                                          std::pair{QStringLiteral("tokenizer.json"), randomBytes(20'000)},
                                          std::pair{QStringLiteral("docs/notes.md"), QByteArray("# A nested file\n")}}) {
            const QString file = QDir(m_repoDir).filePath(path);
            QVERIFY(QDir().mkpath(QFileInfo(file).absolutePath()));
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QCOMPARE(f.write(bytes), bytes.size());
        }

        QVERIFY(m_hub.start());
        m_base = m_hub.baseUrl();
        m_hub.addRepository(QStringLiteral("deepseek-test/tiny-v3"), m_modelDir, m_commit);
        m_hub.addRepository(QStringLiteral("deepseek-test/light"), m_repoDir, m_commit);
        // The proxy test names a host that resolves nowhere: only the proxy reaches it.
        qunsetenv("no_proxy");
        qunsetenv("NO_PROXY");
        for (const char* v : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
            qunsetenv(v);
    }
    void init() { setFaults({}); }

    void repoReferences() {
        QString error;
        auto r = parseRepoReference(QStringLiteral(" deepseek-ai/DeepSeek-V2-Lite-Chat "), &error);
        QVERIFY(r && !r->source && r->repo.id == QLatin1String("deepseek-ai/DeepSeek-V2-Lite-Chat"));
        r = parseRepoReference(QStringLiteral("deepseek-ai/DeepSeek-V3@v1.0"), &error);
        QVERIFY(r && r->repo.revision == QLatin1String("v1.0"));
        r = parseRepoReference(QStringLiteral("https://huggingface.co/deepseek-ai/DeepSeek-V3/tree/dev"), &error);
        QVERIFY(r && r->source->kind == HubSource::Kind::HuggingFace && r->repo.id == QLatin1String("deepseek-ai/DeepSeek-V3") &&
                r->repo.revision == QLatin1String("dev"));
        r = parseRepoReference(QStringLiteral("https://hf-mirror.com/unsloth/DeepSeek-V3-0324-GGUF"), &error);
        QVERIFY(r && r->source->kind == HubSource::Kind::Mirror && r->source->baseUrl == QLatin1String("https://hf-mirror.com"));
        r = parseRepoReference(QStringLiteral("https://www.modelscope.cn/models/deepseek-ai/DeepSeek-R1/files"), &error);
        QVERIFY(r && r->source->kind == HubSource::Kind::ModelScope && r->repo.id == QLatin1String("deepseek-ai/DeepSeek-R1"));
        for (const char* bad : {"DeepSeek-V3", "a/b/c", "https://huggingface.co/", "ftp://x/y/z", "org/na me", "org/name@",
                                "org/name@../../x"}) {
            error.clear();
            QVERIFY2(!parseRepoReference(QString::fromLatin1(bad), &error), bad);
            QVERIFY2(!error.isEmpty(), bad);
        }
    }

    void listingsAndPaths() {
        QString error;
        // A listing whose paths could leave the destination is refused, naming the entry.
        for (const char* path : {"../x", "a/../../x", "/etc/passwd", "a/./b", "a//b", "a\\\\b"}) {
            const QByteArray json = "{\"sha\": \"0123456789abcdef0123456789abcdef01234567\", \"siblings\": "
                                    "[{\"rfilename\": \"ok.json\"}, {\"rfilename\": \"" + QByteArray(path) + "\"}]}";
            error.clear();
            QVERIFY2(!parseListing(HubSource::huggingFace(), json, &error), path);
            QVERIFY2(error.contains(QLatin1String("siblings[1]")), qPrintable(error));
        }
        QVERIFY(!parseListing(HubSource::modelScope(), "{\"Code\": 10010205001, \"Message\": \"model not found\"}", &error));
        QCOMPARE(error, QStringLiteral("model not found"));
        // ModelScope's file address keeps a "+" or "%" of a name as itself; its cache writes "." as "___".
        const QUrl url = fileUrl(HubSource::modelScope(), HubRepo{QStringLiteral("org/na.me"), {}}, QStringLiteral("master"),
                                 QStringLiteral("dir/a+b%c.json"));
        QCOMPARE(url.toString(QUrl::FullyEncoded),
                 QStringLiteral("https://modelscope.cn/api/v1/models/org/na.me/repo?Revision=master&FilePath=dir/a%2Bb%25c.json"));
        QCOMPARE(modelScopeRepoFolder(QStringLiteral("/c"), QStringLiteral("deepseek-ai/DeepSeek-V2.5")),
                 QStringLiteral("/c/models/deepseek-ai/DeepSeek-V2___5"));
        QCOMPARE(huggingFaceRepoFolder(QStringLiteral("/c"), QStringLiteral("deepseek-ai/DeepSeek-V2.5")),
                 QStringLiteral("/c/models--deepseek-ai--DeepSeek-V2.5"));
    }

    void ggufChoicesGroupQuantizations() {
        HubListing l;
        l.files = {{QStringLiteral("README.md"), 10, {}, {}},
                   {QStringLiteral("Q4_K_M/DS-Q4_K_M-00002-of-00002.gguf"), 5, {}, {}},
                   {QStringLiteral("Q4_K_M/DS-Q4_K_M-00001-of-00002.gguf"), 7, {}, {}},
                   {QStringLiteral("DS-Lite-Q8_0.gguf"), 3, {}, {}},
                   {QStringLiteral("DS-Lite-Q6_K-00001-of-00001.gguf"), 2, {}, {}}};
        const QList<GgufChoice> c = ggufChoices(l);
        QCOMPARE(c.size(), 3);
        QCOMPARE(c[0].name, QStringLiteral("DS-Lite-Q6_K"));
        QCOMPARE(c[1].name, QStringLiteral("DS-Lite-Q8_0"));
        QCOMPARE(c[2].name, QStringLiteral("Q4_K_M"));
        QCOMPARE(c[2].files.first().path, QStringLiteral("Q4_K_M/DS-Q4_K_M-00001-of-00002.gguf"));
        QCOMPARE(c[2].totalBytes(), 12);
    }

    void listingsOfBothHubs() {
        DownloadManager m(QString{});
        QString error;
        const HubListing h = lookUp(m, hf(), QStringLiteral("deepseek-test/light"), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(h.commit, m_commit);
        const HubListing s = lookUp(m, ms(), QStringLiteral("deepseek-test/light"), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(s.commit, QStringLiteral("master"));
        QCOMPARE(h.files.size(), s.files.size()); // ModelScope's folder entries are not files
        for (const HubFile& f : h.files) {
            const QString local = QDir(m_repoDir).filePath(f.path);
            QCOMPARE(f.size, QFileInfo(local).size());
            if (f.size > 1000)
                QCOMPARE(f.sha256, sha256Of(local));
            else
                QVERIFY(f.sha256.isEmpty() && f.gitSha1.size() == 40);
        }
        for (const HubFile& f : s.files)
            QCOMPARE(f.sha256, sha256Of(QDir(m_repoDir).filePath(f.path)));
        lookUp(m, hf(), QStringLiteral("deepseek-test/missing"), &error);
        QVERIFY2(error.contains(QLatin1String("deepseek-test/missing")), qPrintable(error));
        lookUp(m, HubSource::mirror(QStringLiteral("http://127.0.0.1:1")), QStringLiteral("a/b"), &error);
        QVERIFY2(error.contains(QLatin1String("127.0.0.1:1")), qPrintable(error));
    }

    /// A dropped connection (resumed with Range through the CDN redirect), 429 + Retry-After, two 503s.
    void huggingFaceCacheThroughFaults() {
        const QString cache = scratch(QStringLiteral("hf"));
        setFaults(QJsonArray{
            QJsonObject{{QStringLiteral("file"), QStringLiteral("model.safetensors")}, {QStringLiteral("kind"), QStringLiteral("drop")},
                        {QStringLiteral("after"), 300000}},
            QJsonObject{{QStringLiteral("file"), QStringLiteral("tokenizer.json")}, {QStringLiteral("kind"), QStringLiteral("status")},
                        {QStringLiteral("code"), 429}, {QStringLiteral("retry_after"), QStringLiteral("1")}},
            QJsonObject{{QStringLiteral("file"), QStringLiteral("config.json")}, {QStringLiteral("kind"), QStringLiteral("status")},
                        {QStringLiteral("code"), 503}, {QStringLiteral("times"), 2}}});
        DownloadManager m(QDir(cache).filePath(QStringLiteral("downloads.json")));
        m.setPolicy(quick());
        const HubListing listing = lookUp(m, hf(), QStringLiteral("deepseek-test/tiny-v3"));
        QVERIFY(!listing.files.isEmpty());
        QString error;
        QElapsedTimer clock;
        clock.start();
        bool sawRetryAfter = false;
        connect(&m, &DownloadManager::changed, this, [&](const QString& id) {
            const auto s = m.status(id);
            if (s && s->state == DownloadState::Waiting && s->message.contains(QLatin1String("429")))
                sawRetryAfter = QDateTime::currentDateTimeUtc().msecsTo(s->retryAt) > 800;
        });
        const QString id = m.start(request(hf(), listing, cache, DownloadDestination::Kind::HuggingFaceCache, QStringLiteral("deepseek-test/tiny-v3")), &error);
        QVERIFY2(!id.isEmpty(), qPrintable(error));
        QVERIFY(waitFor(m, id, DownloadState::Done));
        QVERIFY(sawRetryAfter);
        QVERIFY(clock.elapsed() >= 1000);
        checkHfCache(cache, true);
        QCOMPARE(m.status(id)->modelPath,
                 QDir(huggingFaceRepoFolder(cache, QStringLiteral("deepseek-test/tiny-v3"))).filePath(QStringLiteral("snapshots/") + m_commit));
        QCOMPARE(m.status(id)->bytesDone, listing.totalBytes());
        // The dropped file went on from where it stopped, at the CDN the hub redirected to.
        const QStringList ranges = rangesFor(sha256Of(QDir(m_modelDir).filePath(QStringLiteral("model.safetensors"))));
        QVERIFY2(ranges.contains(QStringLiteral("bytes=300000-")), qPrintable(ranges.join(QLatin1Char(','))));
        QVERIFY(rangesFor(QStringLiteral("config.json")).size() >= 3);
    }

    void wrongChecksumIsNeverShownAsReady() {
        const QString cache = scratch(QStringLiteral("checksum"));
        DownloadManager m(QString{});
        m.setPolicy(quick());
        const HubListing listing = lookUp(m, hf(), QStringLiteral("deepseek-test/light"));
        // Damaged once: discarded, downloaded again, verified.
        setFaults(QJsonArray{QJsonObject{{QStringLiteral("file"), QStringLiteral("model.safetensors")},
                                         {QStringLiteral("kind"), QStringLiteral("corrupt")}}});
        QString error;
        QString id = m.start(request(hf(), listing, cache), &error);
        QVERIFY(waitFor(m, id, DownloadState::Done));
        checkHfCache(cache);
        m.cancel(id);
        // Damaged every time: a clear failure, and nothing that looks like a model.
        const QString cache2 = scratch(QStringLiteral("checksum2"));
        setFaults(QJsonArray{QJsonObject{{QStringLiteral("file"), QStringLiteral("model.safetensors")},
                                         {QStringLiteral("kind"), QStringLiteral("corrupt")},
                                         {QStringLiteral("times"), -1}}});
        id = m.start(request(hf(), listing, cache2), &error);
        QVERIFY(waitFor(m, id, DownloadState::Failed));
        const QString message = m.status(id)->message;
        QVERIFY2(message.contains(QLatin1String("model.safetensors")) && message.contains(QLatin1String("SHA-256")),
                 qPrintable(message));
        const QDir repo(huggingFaceRepoFolder(cache2, QStringLiteral("deepseek-test/light")));
        QVERIFY(!repo.exists(QStringLiteral("snapshots/") + m_commit));
        const QString blob = repo.filePath(QStringLiteral("blobs/") + sha256Of(QDir(m_repoDir).filePath(QStringLiteral("model.safetensors"))));
        QVERIFY(!QFile::exists(blob));
        QVERIFY(!QFile::exists(blob + QLatin1String(".incomplete")));
        DiscoveryRoots roots;
        roots.huggingFace << cache2;
        QVERIFY(discoverModels(roots).empty());
    }

    void stallIsDroppedAndResumed() {
        const QString cache = scratch(QStringLiteral("stall"));
        setFaults(QJsonArray{QJsonObject{{QStringLiteral("file"), QStringLiteral("model.safetensors")},
                                         {QStringLiteral("kind"), QStringLiteral("stall")},
                                         {QStringLiteral("after"), 200000},
                                         {QStringLiteral("seconds"), 60}}});
        DownloadManager m(QString{});
        auto policy = quick();
        policy.stallMs = 700;
        m.setPolicy(policy);
        const HubListing listing = lookUp(m, hf(), QStringLiteral("deepseek-test/light"));
        QString error;
        const QString id = m.start(request(hf(), listing, cache), &error);
        QVERIFY(waitFor(m, id, DownloadState::Done));
        checkHfCache(cache);
        QVERIFY(rangesFor(sha256Of(QDir(m_repoDir).filePath(QStringLiteral("model.safetensors")))).contains(QStringLiteral("bytes=200000-")));
    }

    void serverErrorsGiveUpThenResume() {
        const QString cache = scratch(QStringLiteral("5xx"));
        setFaults(QJsonArray{QJsonObject{{QStringLiteral("file"), QStringLiteral("config.json")},
                                         {QStringLiteral("kind"), QStringLiteral("status")},
                                         {QStringLiteral("code"), 500},
                                         {QStringLiteral("times"), -1}}});
        DownloadManager m(QString{});
        auto policy = quick();
        policy.maxAttempts = 2;
        m.setPolicy(policy);
        const HubListing listing = lookUp(m, hf(), QStringLiteral("deepseek-test/light"));
        QString error;
        const QString id = m.start(request(hf(), listing, cache), &error);
        QVERIFY(waitFor(m, id, DownloadState::Failed));
        const QString message = m.status(id)->message;
        QVERIFY2(message.contains(QLatin1String("config.json")) && message.contains(QLatin1String("500")), qPrintable(message));
        QVERIFY(!QDir(huggingFaceRepoFolder(cache, QStringLiteral("deepseek-test/light"))).exists(QStringLiteral("snapshots/") + m_commit));
        setFaults({});
        QVERIFY(m.resume(id));
        QVERIFY(waitFor(m, id, DownloadState::Done));
        checkHfCache(cache);
        // A 404 is not retried: it names the file and the address.
        HubListing bogus = listing;
        bogus.files = {HubFile{QStringLiteral("no-such-file.bin"), 10, {}, {}}};
        const QString id2 = m.start(request(hf(), bogus, scratch(QStringLiteral("404"))), &error);
        QVERIFY(waitFor(m, id2, DownloadState::Failed));
        QVERIFY2(m.status(id2)->message.contains(QLatin1String("no-such-file.bin")) &&
                     m.status(id2)->message.contains(QLatin1String("404")),
                 qPrintable(m.status(id2)->message));
    }

    void diskSpace() {
        const QString cache = scratch(QStringLiteral("disk"));
        DownloadManager m(QString{});
        m.setPolicy(quick());
        const HubListing listing = lookUp(m, hf(), QStringLiteral("deepseek-test/light"));
        // Checked before starting: nothing is written.
        m.setFreeSpaceProbe([](const QString&) { return qint64(4096); });
        QString error;
        QVERIFY(m.start(request(hf(), listing, cache), &error).isEmpty());
        QVERIFY2(error.contains(QLocale().formattedDataSize(4096, 1)), qPrintable(error));
        QVERIFY(m.downloads().isEmpty());
        QVERIFY(QDir(cache).isEmpty());
        // The disk fills up while writing (the partial file is /dev/full): a clear failure; resumed once there is room.
        m.setFreeSpaceProbe({});
        const QString sha = sha256Of(QDir(m_repoDir).filePath(QStringLiteral("model.safetensors")));
        const QString partial = QDir(huggingFaceRepoFolder(cache, QStringLiteral("deepseek-test/light")))
                                    .filePath(QStringLiteral("blobs/") + sha + QLatin1String(".incomplete"));
        QVERIFY(QDir().mkpath(QFileInfo(partial).absolutePath()));
        QVERIFY(QFile::link(QStringLiteral("/dev/full"), partial));
        const QString id = m.start(request(hf(), listing, cache), &error);
        QVERIFY2(!id.isEmpty(), qPrintable(error));
        QVERIFY(waitFor(m, id, DownloadState::Failed));
        const QString message = m.status(id)->message;
        QVERIFY2(message.contains(QLatin1String("model.safetensors")) && message.contains(QLatin1String("No space left")),
                 qPrintable(message));
        QVERIFY(!QDir(huggingFaceRepoFolder(cache, QStringLiteral("deepseek-test/light"))).exists(QStringLiteral("snapshots")));
        QVERIFY(QFile::remove(partial));
        // A file finished before the failure and deleted since is fetched again, not linked dangling.
        QCOMPARE(m.status(id)->filesDone, 2);
        const QString configBlob = QDir(huggingFaceRepoFolder(cache, QStringLiteral("deepseek-test/light")))
                                       .filePath(QStringLiteral("blobs/") + listing.files.first().gitSha1);
        QCOMPARE(listing.files.first().path, QStringLiteral("config.json"));
        QVERIFY(QFile::remove(configBlob));
        QVERIFY(m.resume(id));
        QVERIFY(waitFor(m, id, DownloadState::Done));
        checkHfCache(cache);
    }

    /// Paused mid-file, resumed; then the app stops mid-file and the next start goes on with a Range request.
    void pauseResumeAndRestart() {
        const QString cache = scratch(QStringLiteral("restart"));
        const QString state = QDir(cache).filePath(QStringLiteral("downloads.json"));
        const QString sha = sha256Of(QDir(m_repoDir).filePath(QStringLiteral("model.safetensors")));
        const QString partial = QDir(huggingFaceRepoFolder(cache, QStringLiteral("deepseek-test/light")))
                                    .filePath(QStringLiteral("blobs/") + sha + QLatin1String(".incomplete"));
        const QJsonObject slow{{QStringLiteral("file"), QStringLiteral("model.safetensors")}, {QStringLiteral("kind"), QStringLiteral("slow")},
                               {QStringLiteral("rate"), 400000}, {QStringLiteral("times"), 2}};
        setFaults(QJsonArray{slow});
        QString id;
        qint64 pausedAt = 0;
        {
            DownloadManager m(state);
            m.setPolicy(quick());
            const HubListing listing = lookUp(m, hf(), QStringLiteral("deepseek-test/light"));
            QString error;
            id = m.start(request(hf(), listing, cache), &error);
            QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(partial).size() > 100000, 20000);
            m.pause(id);
            QCOMPARE(m.status(id)->state, DownloadState::Paused);
            pausedAt = QFileInfo(partial).size();
            QTest::qWait(300);
            QCOMPARE(QFileInfo(partial).size(), pausedAt); // nothing written while paused
            QVERIFY(m.resume(id));
            QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(partial).size() > pausedAt + 100000, 20000);
            // The app stops here (the manager is destroyed mid-file, as at quitting).
        }
        const qint64 stoppedAt = QFileInfo(partial).size();
        QVERIFY(stoppedAt > pausedAt);
        DownloadManager again(state);
        again.setPolicy(quick());
        QCOMPARE(again.downloads().size(), 1);
        QVERIFY(waitFor(again, id, DownloadState::Done));
        checkHfCache(cache);
        const QStringList ranges = rangesFor(sha);
        QVERIFY2(ranges.contains(QStringLiteral("bytes=%1-").arg(pausedAt)), qPrintable(ranges.join(QLatin1Char(','))));
        QVERIFY2(ranges.contains(QStringLiteral("bytes=%1-").arg(stoppedAt)), qPrintable(ranges.join(QLatin1Char(','))));
        // Finished downloads are remembered; forgetting one keeps the model.
        DownloadManager third(state);
        QCOMPARE(third.downloads().size(), 1);
        QCOMPARE(third.downloads().first().state, DownloadState::Done);
        third.cancel(id);
        QVERIFY(third.downloads().isEmpty());
        checkHfCache(cache);
    }

    void cancelLeavesNothing() {
        const QString cache = scratch(QStringLiteral("cancel"));
        setFaults(QJsonArray{QJsonObject{{QStringLiteral("file"), QStringLiteral("model.safetensors")},
                                         {QStringLiteral("kind"), QStringLiteral("slow")},
                                         {QStringLiteral("rate"), 300000}}});
        DownloadManager m(QString{});
        m.setPolicy(quick());
        const HubListing listing = lookUp(m, hf(), QStringLiteral("deepseek-test/light"));
        QString error;
        const QString id = m.start(request(hf(), listing, cache), &error);
        const QString blobs = QDir(huggingFaceRepoFolder(cache, QStringLiteral("deepseek-test/light"))).filePath(QStringLiteral("blobs"));
        QTRY_VERIFY_WITH_TIMEOUT(!QDir(blobs).entryList({QStringLiteral("*.incomplete")}, QDir::Files | QDir::System).isEmpty() &&
                                     m.status(id)->filesDone >= 1,
                                 20000);
        QSignalSpy removed(&m, &DownloadManager::removed);
        m.cancel(id);
        QCOMPARE(removed.size(), 1);
        QVERIFY(m.downloads().isEmpty());
        QVERIFY2(QDir(blobs).entryList(QDir::Files | QDir::System).isEmpty(), qPrintable(QDir(blobs).entryList().join(QLatin1Char(','))));
    }

    void modelScopeIntoAFolder() {
        const QString parent = scratch(QStringLiteral("ms"));
        const QString folder = QDir(parent).filePath(QStringLiteral("tiny-v3"));
        setFaults(QJsonArray{QJsonObject{{QStringLiteral("file"), QStringLiteral("model.safetensors")},
                                         {QStringLiteral("kind"), QStringLiteral("drop")},
                                         {QStringLiteral("after"), 100000}}});
        DownloadManager m(QString{});
        m.setPolicy(quick());
        const HubListing listing = lookUp(m, ms(), QStringLiteral("deepseek-test/tiny-v3"));
        QString error;
        const QString id = m.start(request(ms(), listing, folder, DownloadDestination::Kind::Folder, QStringLiteral("deepseek-test/tiny-v3")), &error);
        QVERIFY2(!id.isEmpty(), qPrintable(error));
        QVERIFY(waitFor(m, id, DownloadState::Done));
        QCOMPARE(m.status(id)->modelPath, folder);
        QDirIterator it(m_modelDir, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString src = it.next();
            QCOMPARE(read(QDir(folder).filePath(QDir(m_modelDir).relativeFilePath(src))), read(src));
        }
        QCOMPARE(QDir(parent).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), QStringList{QStringLiteral("tiny-v3")});
        QVERIFY(rangesFor(QStringLiteral("/repo")).contains(QStringLiteral("bytes=100000-")));
        DiscoveryRoots roots;
        roots.userFolders << folder;
        const auto found = discoverModels(roots);
        QCOMPARE(found.size(), size_t(1));
        QVERIFY(found[0].runnable());
        // A folder holds one model: not another download into it, nor two at once into the same new folder.
        const HubListing light = lookUp(m, ms(), QStringLiteral("deepseek-test/light"));
        QVERIFY(m.start(request(ms(), light, folder, DownloadDestination::Kind::Folder), &error).isEmpty());
        QVERIFY2(error.contains(QLatin1String("not empty")), qPrintable(error));
        setFaults(QJsonArray{QJsonObject{{QStringLiteral("file"), QStringLiteral("model.safetensors")},
                                         {QStringLiteral("kind"), QStringLiteral("slow")},
                                         {QStringLiteral("rate"), 300000}}});
        const QString other = QDir(parent).filePath(QStringLiteral("other"));
        const QString first = m.start(request(ms(), light, other, DownloadDestination::Kind::Folder), &error);
        QVERIFY(!first.isEmpty());
        QVERIFY(m.start(request(ms(), light, other, DownloadDestination::Kind::Folder, QStringLiteral("deepseek-test/tiny-v3")), &error)
                    .isEmpty());
        QVERIFY2(error.contains(QLatin1String("already being downloaded")), qPrintable(error));
        m.cancel(first);
        QVERIFY(!QFileInfo::exists(other));
        QCOMPARE(QDir(parent).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), QStringList{QStringLiteral("tiny-v3")});
    }

    /// The system proxy (http_proxy) carries every request: the hub's host resolves nowhere else.
    void systemProxyIsUsed() {
        qputenv("http_proxy", m_base.toUtf8());
        const HubSource viaProxy = HubSource::mirror(QStringLiteral("http://hub.whalesong.invalid"));
        const QString cache = scratch(QStringLiteral("proxy"));
        {
            DownloadManager m(QString{});
            m.setPolicy(quick());
            QString error;
            const HubListing listing = lookUp(m, viaProxy, QStringLiteral("deepseek-test/light"), &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            const QString id = m.start(request(viaProxy, listing, cache), &error);
            QVERIFY(waitFor(m, id, DownloadState::Done));
        }
        qunsetenv("http_proxy");
        checkHfCache(cache);
        int proxied = 0;
        for (const QJsonValue& v : requestLog())
            if (v.toObject().value(QLatin1String("host")).toString() == QLatin1String("hub.whalesong.invalid"))
                proxied += v.toObject().value(QLatin1String("proxied")).toBool() ? 1 : -1000;
        QVERIFY(proxied >= 5);
    }

    void unreadableStateFileIsSetAside() {
        const QString dir = scratch(QStringLiteral("state"));
        const QString state = QDir(dir).filePath(QStringLiteral("downloads.json"));
        QFile f(state);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"version\": 1, \"downloads\": [ {\"id\": ");
        f.close();
        DownloadManager m(state);
        QVERIFY(m.downloads().isEmpty());
        QVERIFY2(m.loadProblem().contains(state) && m.loadProblem().contains(QLatin1String("unreadable")),
                 qPrintable(m.loadProblem()));
        QVERIFY(QFile::exists(state + QLatin1String(".unreadable")));
    }
};

QTEST_GUILESS_MAIN(TestModelDownload)
#include "tst_model_download.moc"
