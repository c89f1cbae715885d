// tst_store_crash: SIGKILLs a process writing the store (helpers/store_writer) at random moments, many times,
// and checks that every commit it reported survived, the streaming answer up to its last checkpoint, and
// integrity.
#include "conversation_store.h"
#include "helpers/stream_text.h"
#include "sqlite/database.h"

#include <QDir>
#include <QElapsedTimer>
#include <QMap>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

class TestStoreCrash : public QObject {
    Q_OBJECT

  private slots:
    void killedMidStream();
    void twoInstancesWriteTheSameFile();
};

void TestStoreCrash::killedMidStream() {
    const QByteArray fixedSeed = qgetenv("WS_CRASH_SEED");
    const quint32 seed = fixedSeed.isEmpty() ? QRandomGenerator::global()->generate() : fixedSeed.toUInt();
    qInfo("seed %u (rerun with WS_CRASH_SEED=%u)", seed, seed);
    QRandomGenerator rng(seed);
    const QString writer = QStringLiteral(WS_TEST_BINARY_DIR "/store_writer");
    const QString pattern = streamText(1000); // every text the writer writes is a prefix of this
    QTemporaryDir dir;
    QVERIFY(dir.isValid());

    constexpr int kRounds = 40;
    int killedStreaming = 0, killedStreamingAsync = 0;
    int checkpointsReported = 0, checkpointsReportedAsync = 0;
    QElapsedTimer total;
    total.start();
    for (int round = 0; round < kRounds; ++round) {
        QProcess child;
        child.setProcessChannelMode(QProcess::SeparateChannels);
        // Every other round the app's way: through the store's own thread, checkpoints posted without waiting.
        const QString mode = round % 2 ? QStringLiteral("async") : QStringLiteral("direct");
        child.start(writer, {dir.path(), QString::number(rng.generate()), mode});
        QVERIFY2(child.waitForStarted(5000), qPrintable(child.errorString()));
        // Half the kills count from the start (the open itself may be cut), half from "opened" (so that, slow
        // as the open is under sanitizers, enough of them land in the middle of an answer).
        if ((round / 2) % 2 == 1) {
            QElapsedTimer wait;
            wait.start();
            while (!child.canReadLine() && wait.elapsed() < 30000) // the first line is "opened"
                child.waitForReadyRead(1000);
            QVERIFY2(child.canReadLine(), "the writer did not open the store");
        }
        const int delayMs = static_cast<int>(rng.bounded(5, 301));
        QTest::qWait(delayMs);
        child.kill(); // SIGKILL: no destructor, no flush, no rollback
        QVERIFY(child.waitForFinished(5000));
        const QString err = QString::fromUtf8(child.readAllStandardError());
        QVERIFY2(child.exitStatus() == QProcess::CrashExit,
                 qPrintable(QStringLiteral("the writer ended itself: ") + err));

        // What the writer reported as committed (only complete lines: a line is written after its commit).
        QMap<qint64, qsizetype> committed; // id → exact length
        QMap<qint64, qsizetype> streaming; // begun, not reported finished → last reported checkpoint length
        const QList<QByteArray> lines = child.readAllStandardOutput().split('\n');
        for (qsizetype i = 0; i + 1 < lines.size();
             ++i) { // the last piece has no newline: incomplete or empty
            const QList<QByteArray> f = lines[i].split(' ');
            QVERIFY2(f[0] != "error", lines[i].constData());
            if (f.size() != 3)
                continue;
            const qint64 id = f[1].toLongLong();
            const qsizetype length = f[2].toLongLong();
            if (f[0] == "message") {
                committed[id] = length;
            } else if (f[0] == "begin" || f[0] == "checkpoint") {
                streaming[id] = length;
                checkpointsReported += f[0] == "checkpoint" ? 1 : 0;
                checkpointsReportedAsync += f[0] == "checkpoint" && mode == QLatin1String("async") ? 1 : 0;
            } else if (f[0] == "finished") {
                streaming.remove(id);
                committed[id] = length;
            }
        }
        QVERIFY(streaming.size() <= 1);

        OpenNotice notice;
        auto opened = ConversationStore::open(dir.path(), &notice);
        QVERIFY2(opened.isOk(), opened.status().message().c_str());
        auto& store = *opened.value();
        QVERIFY2(notice.setAsidePath.isEmpty(), qPrintable(notice.setAsidePath));
        for (auto it = committed.cbegin(); it != committed.cend(); ++it) {
            const auto m = store.message(it.key());
            QVERIFY2(m, qPrintable(
                            QStringLiteral("round %1: committed message %2 lost").arg(round).arg(it.key())));
            QCOMPARE(m->content, pattern.left(it.value()));
            QCOMPARE(m->status, MessageStatus::Complete);
        }
        for (auto it = streaming.cbegin(); it != streaming.cend(); ++it) {
            const auto m = store.message(it.key());
            QVERIFY2(
                m, qPrintable(QStringLiteral("round %1: streaming answer %2 lost").arg(round).arg(it.key())));
            // At least the last reported checkpoint; more if a later one (or the end) committed before the
            // kill but was not reported yet.
            QVERIFY2(m->content.size() >= it.value(),
                     qPrintable(QStringLiteral("round %1: answer %2 has %3 characters, %4 were checkpointed")
                                    .arg(round)
                                    .arg(it.key())
                                    .arg(m->content.size())
                                    .arg(it.value())));
            QCOMPARE(m->content, pattern.left(m->content.size()));
            QVERIFY(m->status == MessageStatus::Interrupted || m->status == MessageStatus::Complete);
            if (m->status == MessageStatus::Interrupted) {
                ++killedStreaming;
                killedStreamingAsync += mode == QLatin1String("async") ? 1 : 0;
            }
        }
        Database raw(store.path(), Database::Mode::ReadWrite);
        QCOMPARE(raw.queryInt("SELECT count(*) FROM messages WHERE status = 'streaming'"), qint64(0));
        QCOMPARE(raw.queryText("PRAGMA integrity_check"), QStringLiteral("ok"));
        if (round == kRounds - 1)
            raw.exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");
    }
    Database raw(QDir(dir.path()).filePath(QStringLiteral("whalesong.db")), Database::Mode::ReadWrite);
    qInfo("%d rounds in %lld ms: %lld messages stored, %d checkpoints reported, %d answers killed mid-stream",
          kRounds, static_cast<long long>(total.elapsed()),
          static_cast<long long>(raw.queryInt("SELECT count(*) FROM messages")), checkpointsReported,
          killedStreaming);
    // The kills did land mid-stream, after checkpoints (else the test proves little).
    QVERIFY(killedStreaming > 0);
    QVERIFY(checkpointsReported > 0);
    QVERIFY(killedStreamingAsync > 0); // the app's way too
    QVERIFY(checkpointsReportedAsync > 0);
}

// Two writer processes open the same data folder at the same moment (one creates the schema while the other
// waits) and write side by side; neither may see an error, and everything either reported must be there.
void TestStoreCrash::twoInstancesWriteTheSameFile() {
    const QString writer = QStringLiteral(WS_TEST_BINARY_DIR "/store_writer");
    const QString pattern = streamText(1000);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (int round = 0; round < 3; ++round) {
        QProcess a, b;
        // one writes on its own thread, the other through its store's thread, as the app does
        a.start(writer, {dir.path(), QString::number(2 * round + 1), QStringLiteral("direct")});
        b.start(writer, {dir.path(), QString::number(2 * round + 2), QStringLiteral("async")});
        QVERIFY(a.waitForStarted(5000) && b.waitForStarted(5000));
        QTest::qWait(1200);
        for (QProcess* p : {&a, &b}) { // a writer that stopped on its own has told why on stdout (checked below)
            if (p->state() != QProcess::NotRunning) {
                p->kill();
                QVERIFY(p->waitForFinished(5000));
            }
        }
        QMap<qint64, qsizetype> committed;
        int lines = 0;
        for (QProcess* p : {&a, &b}) {
            const QString err = QString::fromUtf8(p->readAllStandardError());
            const QList<QByteArray> out = p->readAllStandardOutput().split('\n');
            for (const QByteArray& line : out)
                QVERIFY2(!line.startsWith("error"), line.constData());
            QVERIFY2(p->exitStatus() == QProcess::CrashExit, qPrintable(QStringLiteral("writer ended: ") + err));
            for (qsizetype i = 0; i + 1 < out.size(); ++i) {
                const QList<QByteArray> f = out[i].split(' ');
                QVERIFY2(f[0] != "error", out[i].constData()); // e.g. SQLITE_BUSY would surface here
                ++lines;
                if (f.size() == 3 && (f[0] == "message" || f[0] == "finished"))
                    committed[f[1].toLongLong()] = f[2].toLongLong();
            }
        }
        QVERIFY2(lines > 10, "the writers hardly wrote: the test would prove little");
        auto opened = ConversationStore::open(dir.path());
        QVERIFY2(opened.isOk(), opened.status().message().c_str());
        for (auto it = committed.cbegin(); it != committed.cend(); ++it) {
            const auto m = opened.value()->message(it.key());
            QVERIFY2(m, qPrintable(QStringLiteral("round %1: message %2 lost").arg(round).arg(it.key())));
            QCOMPARE(m->content, pattern.left(it.value()));
        }
        Database raw(opened.value()->path(), Database::Mode::ReadWrite);
        QCOMPARE(raw.queryText("PRAGMA integrity_check"), QStringLiteral("ok"));
        qInfo("round %d: %d lines reported by two writers, %lld committed messages checked", round, lines,
              static_cast<long long>(committed.size()));
    }
}

QTEST_GUILESS_MAIN(TestStoreCrash)
#include "tst_store_crash.moc"
