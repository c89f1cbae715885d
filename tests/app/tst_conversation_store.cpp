// tst_conversation_store: schema and pragmas, migrations, CRUD, branches, trash, search, bad files, backups,
// big and invalid text, two writers, and StreamCheckpointer's batching.
#include "conversation_store.h"
#include "helpers/store_checks.h"
#include "helpers/test_files.h"
#include "migrations.h"
#include "sqlite/database.h"
#include "sqlite/sqlite_error.h"
#include "stream_checkpointer.h"

#include <QDate>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <atomic>
#include <thread>


namespace {

constexpr qint64 kDayMs = 24LL * 3600 * 1000;

QString dbPath(const QTemporaryDir& dir) { return dir.filePath(QStringLiteral("whalesong.db")); }

std::vector<qint64> ids(const std::vector<MessageRecord>& messages) {
    std::vector<qint64> out;
    for (const auto& m : messages)
        out.push_back(m.id);
    return out;
}

std::vector<qint64> hitIds(const std::vector<SearchHit>& hits) {
    std::vector<qint64> out;
    for (const auto& h : hits)
        out.push_back(h.messageId);
    std::sort(out.begin(), out.end());
    return out;
}

/// Restores the real migration list even when a test fails half-way.
struct MigrationOverride {
    explicit MigrationOverride(std::vector<Migration> list) {
        Migrations::overrideForTesting(std::move(list));
    }
    ~MigrationOverride() { Migrations::overrideForTesting(std::nullopt); }
};

} // namespace

class TestConversationStore : public QObject {
    Q_OBJECT

  private slots:
    void schemaAndPragmas();
    void migrationFromEveryEarlierVersion_data();
    void migrationFromEveryEarlierVersion();
    void newerVersionRefusedUntouched();
    void foreignDatabaseRefusedUntouched();
    void conversationsCrud();
    void branching();
    void branchingErrors();
    void trashUndoAndPurge();
    void search();
    void searchRankingAndSnippet();
    void corruptFileSetAside_data();
    void corruptFileSetAside();
    void interruptedAtReopen();
    void dailyBackupKeepsSeven();
    void backupBeforeMigration();
    void tenMegabyteMessage();
    void invalidUtf8();
    void twoStoresWritingConcurrently();
    void streamCheckpointerBatching();
    void inTransactionAllOrNothing();
    void insertConversationKeepsEverything();
    void reasoningTimeRoundTrips();
};

void TestConversationStore::schemaAndPragmas() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path(), nullptr);
    QCOMPARE(store->path(), QFileInfo(dbPath(dir)).absoluteFilePath());

    Database raw(dbPath(dir), Database::Mode::ReadWrite);
    QCOMPARE(raw.queryText("PRAGMA journal_mode"), QStringLiteral("wal")); // WAL was granted (and persists)
    QCOMPARE(raw.queryInt("PRAGMA application_id"), qint64(Migrations::kApplicationId));
    QCOMPARE(raw.queryInt("PRAGMA user_version"), qint64(ConversationStore::kSchemaVersion));
    QCOMPARE(Migrations::latestVersion(), ConversationStore::kSchemaVersion);
    QCOMPARE(
        raw.queryInt("SELECT count(*) FROM pragma_table_list WHERE name IN ('conversations', 'messages') "
                     "AND strict = 1"),
        qint64(2));

    // Foreign keys are on in the store's connection: deleting a conversation cascades to its messages (the
    // store never deletes messages itself).
    const qint64 c = *store->createConversation(QStringLiteral("fk"));
    const qint64 m =
        *store->addMessage(c, std::nullopt, QStringLiteral("user"), QStringLiteral("hello there"));
    const qint64 other = *store->createConversation(QStringLiteral("other"));
    QVERIFY(!store->addMessage(other, m, QStringLiteral("user"), QStringLiteral("wrong tree")).isOk());
    WS_VERIFY_OK(store->deleteForever(c));
    QCOMPARE(raw.queryInt("SELECT count(*) FROM messages"), qint64(0));
    QCOMPARE(raw.queryInt("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'hello'"), qint64(0));
    raw.exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");
}

// Each earlier schema version, as users' files are: the store must open and upgrade every one. A new schema
// version adds the previous one's frozen SQL (tests/app/fixtures/schema_vN.sql) here.
void TestConversationStore::migrationFromEveryEarlierVersion_data() {
    QTest::addColumn<QString>("fixture"); // "" no file, "empty" a 0-byte file, "blank" SQLite with no tables
    QTest::addColumn<int>("conversations");
    QTest::newRow("v0: no file") << QString() << 0;
    QTest::newRow("v0: empty file") << QStringLiteral("empty") << 0;
    QTest::newRow("v0: blank SQLite file") << QStringLiteral("blank") << 0;
    QTest::newRow("v1") << QStringLiteral("schema_v1.sql") << 1;
    QTest::newRow("v2") << QStringLiteral("schema_v2.sql") << 1;
}

void TestConversationStore::migrationFromEveryEarlierVersion() {
    QFETCH(QString, fixture);
    QFETCH(int, conversations);
    QTemporaryDir dir;
    if (fixture == QLatin1String("empty")) {
        writeFile(dbPath(dir), {});
    } else if (fixture == QLatin1String("blank")) {
        Database raw(dbPath(dir));
        raw.exec("PRAGMA page_size = 4096; VACUUM");
    } else if (!fixture.isEmpty()) {
        const QByteArray sql = readAll(QStringLiteral(WS_SOURCE_DIR "/tests/app/fixtures/") + fixture);
        QVERIFY(!sql.isEmpty());
        Database raw(dbPath(dir));
        raw.exec(sql.constData());
    }

    OpenNotice notice;
    WS_OPEN(store, dir.path(), &notice);
    QVERIFY(notice.setAsidePath.isEmpty());
    {
        Database raw(dbPath(dir), Database::Mode::ReadWrite);
        QCOMPARE(raw.queryInt("PRAGMA user_version"), qint64(ConversationStore::kSchemaVersion));
        QCOMPARE(raw.queryInt("PRAGMA application_id"), qint64(Migrations::kApplicationId));
        QCOMPARE(raw.queryText("PRAGMA integrity_check"), QStringLiteral("ok"));
    }
    QCOMPARE(int(store->conversations().size()), conversations);
    if (fixture == QLatin1String("schema_v1.sql")) { // the old rows survive, every field readable
        const auto c = store->conversations().front();
        QCOMPARE(c.title, QStringLiteral("鲸歌 fixture v1"));
        QCOMPARE(c.settings.value(QStringLiteral("temperature")).toDouble(), 0.6);
        const auto branch = store->currentBranch(c.id);
        QCOMPARE(int(branch.size()), 2);
        QCOMPARE(branch[1].reasoning, QStringLiteral("The user asks about the name."));
        QCOMPARE(branch[1].stats.decodeTokensPerSecond.value_or(0), 21.5);
        QCOMPARE(branch[1].stats.reasoningMs, std::optional<double>()); // v2's column: unknown for old rows
        QCOMPARE(int(store->search(QStringLiteral("鲸歌")).size()), 1);
        // A copy of the version-1 file was kept before migrating it.
        QVERIFY2(notice.backupPath.endsWith(QLatin1String("-before-v2.db")), qPrintable(notice.backupPath));
        Database backup(notice.backupPath, Database::Mode::ReadWrite);
        QCOMPARE(backup.queryInt("PRAGMA user_version"), qint64(1));
        QCOMPARE(backup.queryText("SELECT title FROM conversations"), QStringLiteral("鲸歌 fixture v1"));
        QCOMPARE(
            backup.queryInt("SELECT count(*) FROM pragma_table_info('messages') WHERE name = 'reasoning_ms'"),
            qint64(0));
    } else if (fixture == QLatin1String("schema_v2.sql")) {
        const auto c = store->conversations().front();
        QCOMPARE(c.title, QStringLiteral("鲸歌 fixture v2"));
        const auto branch = store->currentBranch(c.id);
        QCOMPARE(int(branch.size()), 2);
        QCOMPARE(branch[1].stats.reasoningMs, std::optional<double>(1234.5));
        // v3's column: no tool calls for old rows; the call text an old answer holds stays in its content as it
        // was saved (the chat view shows it as a tool call, tst_chat_view).
        QVERIFY(branch[0].toolCalls.isEmpty());
        QVERIFY(branch[1].toolCalls.isEmpty());
        QVERIFY(branch[1].content.contains(QStringLiteral("<｜tool▁calls▁begin｜>")));
        QVERIFY2(notice.backupPath.endsWith(QLatin1String("-before-v3.db")), qPrintable(notice.backupPath));
        Database backup(notice.backupPath, Database::Mode::ReadWrite);
        QCOMPARE(backup.queryInt("PRAGMA user_version"), qint64(2));
        QCOMPARE(backup.queryInt("SELECT count(*) FROM pragma_table_info('messages') WHERE name = 'tool_calls'"),
                 qint64(0));
    } else {
        QVERIFY2(notice.backupPath.isEmpty() || !notice.backupPath.contains(QLatin1String("-before-v")),
                 qPrintable(notice.backupPath)); // nothing to lose in a new file
    }
    {
        Database raw(dbPath(dir), Database::Mode::ReadWrite);
        QCOMPARE(raw.queryText("SELECT type FROM pragma_table_info('messages') WHERE name = 'reasoning_ms'"),
                 QStringLiteral("REAL"));
        QCOMPARE(raw.queryInt("SELECT strict FROM pragma_table_list WHERE name = 'messages'"), qint64(1));
        QCOMPARE(raw.queryText("SELECT type FROM pragma_table_info('messages') WHERE name = 'tool_calls'"),
                 QStringLiteral("TEXT"));
        QCOMPARE(raw.queryInt("SELECT count(*) FROM messages WHERE tool_calls <> '[]'"), qint64(0));
        // The column takes only a JSON array.
        bool refused = false;
        try {
            raw.exec("UPDATE messages SET tool_calls = '{\"not\": \"an array\"}'");
        } catch (const SqliteError&) {
            refused = true;
        }
        QCOMPARE(refused, conversations > 0); // nothing to update in an empty file
    }
    // And the upgraded schema takes new data.
    const qint64 c = *store->createConversation(QStringLiteral("new"));
    const auto q =
        store->addMessage(c, std::nullopt, QStringLiteral("user"), QStringLiteral("after the upgrade"));
    WS_VERIFY_OK(q);
    QCOMPARE(int(store->search(QStringLiteral("upgrade")).size()), 1);
    const auto a = store->beginAnswer(c, *q, QStringLiteral("r1"), QStringLiteral("cpu"));
    WS_VERIFY_OK(a);
    MessageStats stats;
    stats.reasoningMs = 1500.25;
    WS_VERIFY_OK(
        store->finishAnswer(*a, QStringLiteral("ok"), QStringLiteral("hmm"), MessageStatus::Complete, stats, {},
                            QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("call_1")},
                                                   {QStringLiteral("type"), QStringLiteral("function")},
                                                   {QStringLiteral("function"),
                                                    QJsonObject{{QStringLiteral("name"), QStringLiteral("f")},
                                                                {QStringLiteral("arguments"), QStringLiteral("{}")}}}}}));
    QCOMPARE(store->message(*a)->stats.reasoningMs, std::optional<double>(1500.25));
    QCOMPARE(store->message(*a)->toolCalls.size(), 1);
}

void TestConversationStore::newerVersionRefusedUntouched() {
    QTemporaryDir dir;
    {
        WS_OPEN(store, dir.path(), nullptr);
        WS_VERIFY_OK(store->createConversation(QStringLiteral("from the future")));
    }
    {
        Database raw(dbPath(dir), Database::Mode::ReadWrite);
        raw.exec("PRAGMA user_version = 99");
    }
    const QByteArray before = readAll(dbPath(dir));
    QVERIFY(!before.isEmpty());

    OpenNotice notice;
    auto opened = ConversationStore::open(dir.path(), &notice);
    QVERIFY(!opened.isOk());
    QCOMPARE(opened.status().code(), ws::Code::Unsupported);
    const QString message = QString::fromStdString(opened.status().message());
    QVERIFY2(message.contains(QLatin1String("newer")) && message.contains(QLatin1String("99")),
             qPrintable(message));
    QVERIFY(notice.setAsidePath.isEmpty());
    QCOMPARE(readAll(dbPath(dir)), before); // byte-identical
    QCOMPARE(QDir(dir.path()).entryList({QStringLiteral("*.corrupt-*")}, QDir::Files).size(), 0);
}

void TestConversationStore::foreignDatabaseRefusedUntouched() {
    QTemporaryDir dir;
    {
        Database raw(dbPath(dir));
        raw.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('someone else''s')");
    }
    const QByteArray before = readAll(dbPath(dir));
    auto opened = ConversationStore::open(dir.path());
    QVERIFY(!opened.isOk());
    QVERIFY(QString::fromStdString(opened.status().message())
                .contains(QLatin1String("not a Whalesong database")));
    QCOMPARE(readAll(dbPath(dir)), before);
}

void TestConversationStore::conversationsCrud() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path(), nullptr);
    QJsonObject settings{{QStringLiteral("temperature"), 0.7}, {QStringLiteral("max_tokens"), 512}};
    const qint64 a = *store->createConversation(QStringLiteral("第一"), QStringLiteral("deepseek-v3"),
                                                QStringLiteral("You are terse."), settings);
    const qint64 b = *store->createConversation(QStringLiteral("second"));
    const qint64 c = *store->createConversation(QStringLiteral("third"));

    auto ca = store->conversation(a);
    QVERIFY(ca);
    QCOMPARE(ca->title, QStringLiteral("第一"));
    QCOMPARE(ca->model, QStringLiteral("deepseek-v3"));
    QCOMPARE(ca->systemPrompt, QStringLiteral("You are terse."));
    QCOMPARE(ca->settings, settings);
    QVERIFY(!ca->uuid.isEmpty());
    QVERIFY(ca->createdAt > 0);
    QVERIFY(!ca->pinned && !ca->deletedAt && !ca->currentLeafId);
    QVERIFY(store->hasUuid(ca->uuid));
    QVERIFY(!store->hasUuid(QStringLiteral("no-such-uuid")));

    // Rename moves updated_at (and so the order); pinned comes first whatever its age.
    QTest::qWait(3); // a later millisecond than c's creation
    WS_VERIFY_OK(store->rename(a, QStringLiteral("renamed")));
    QCOMPARE(store->conversation(a)->title, QStringLiteral("renamed"));
    QVERIFY(store->conversation(a)->updatedAt > ca->updatedAt);
    QCOMPARE(store->conversations().front().id, a);
    WS_VERIFY_OK(store->setPinned(b, true));
    auto list = store->conversations();
    QCOMPARE(int(list.size()), 3);
    QCOMPARE(list[0].id, b);
    QCOMPARE(list[1].id, a);
    QCOMPARE(list[2].id, c);

    const QJsonObject other{{QStringLiteral("top_p"), 0.9}};
    WS_VERIFY_OK(store->setSettings(c, QStringLiteral("m2"), QStringLiteral("sys"), other));
    QCOMPARE(store->conversation(c)->settings, other);
    QCOMPARE(store->conversation(c)->model, QStringLiteral("m2"));

    QCOMPARE(store->rename(999, QStringLiteral("x")).code(), ws::Code::NotFound);
    QCOMPARE(store->setPinned(999, true).code(), ws::Code::NotFound);
    QCOMPARE(store->deleteForever(999).code(), ws::Code::NotFound);
    QVERIFY(!store->conversation(999));
    QVERIFY(!store->message(999));
}

void TestConversationStore::branching() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path(), nullptr);
    const qint64 c = *store->createConversation(QStringLiteral("tree"));
    const auto user = QStringLiteral("user");
    auto answer = [&](qint64 parent, const QString& text) -> qint64 {
        const qint64 id = *store->beginAnswer(c, parent, QStringLiteral("m"), QStringLiteral("cpu"));
        const auto s = store->finishAnswer(id, text, {}, MessageStatus::Complete, {});
        return s.isOk() ? id : -1;
    };

    const qint64 u1 = *store->addMessage(c, std::nullopt, user, QStringLiteral("q1"));
    const qint64 a1 = answer(u1, QStringLiteral("a1"));
    const qint64 u2 = *store->addMessage(c, a1, user, QStringLiteral("q2"));
    qint64 updated = store->conversation(c)->updatedAt;
    const qint64 a2 = answer(u2, QStringLiteral("a2"));
    QVERIFY(store->conversation(c)->updatedAt > updated); // a finished answer counts as a change
    QCOMPARE(ids(store->currentBranch(c)), (std::vector<qint64>{u1, a1, u2, a2}));

    // Regenerate: a new answer under the same question; the old one stays.
    const qint64 a2b = answer(u2, QStringLiteral("a2, again"));
    QCOMPARE(ids(store->siblings(a2)), (std::vector<qint64>{a2, a2b}));
    QCOMPARE(ids(store->currentBranch(c)), (std::vector<qint64>{u1, a1, u2, a2b}));

    // Edit a question: a sibling of it under the same parent; nothing below the old one is lost.
    updated = store->conversation(c)->updatedAt;
    const qint64 u2b = *store->addMessage(c, a1, user, QStringLiteral("q2 edited"));
    QVERIFY(store->conversation(c)->updatedAt > updated);
    QCOMPARE(ids(store->siblings(u2)), (std::vector<qint64>{u2, u2b}));
    QCOMPARE(ids(store->currentBranch(c)), (std::vector<qint64>{u1, a1, u2b}));

    // Edit the first question: roots are siblings too.
    const qint64 u1b = *store->addMessage(c, std::nullopt, user, QStringLiteral("q1 edited"));
    QCOMPARE(ids(store->siblings(u1)), (std::vector<qint64>{u1, u1b}));
    QCOMPARE(ids(store->currentBranch(c)), (std::vector<qint64>{u1b}));

    // Back to an older branch: down from the chosen message along the newest child.
    WS_VERIFY_OK(store->selectBranch(c, u1));
    QCOMPARE(ids(store->currentBranch(c)), (std::vector<qint64>{u1, a1, u2b}));
    WS_VERIFY_OK(store->selectBranch(c, u2));
    QCOMPARE(ids(store->currentBranch(c)), (std::vector<qint64>{u1, a1, u2, a2b}));
    WS_VERIFY_OK(store->selectBranch(c, a2));
    QCOMPARE(ids(store->currentBranch(c)), (std::vector<qint64>{u1, a1, u2, a2}));
    QCOMPARE(store->conversation(c)->currentLeafId, std::optional<qint64>(a2));

    const auto all = store->messages(c);
    QCOMPARE(int(all.size()), 7); // u1 a1 u2 a2 a2b u2b u1b: nothing replaced
    QCOMPARE(store->message(a2)->content, QStringLiteral("a2"));
    QCOMPARE(store->message(u2)->content, QStringLiteral("q2"));
    QCOMPARE(store->message(a2)->status, MessageStatus::Complete);
    QCOMPARE(store->message(a2)->backend, QStringLiteral("cpu"));
    QCOMPARE(store->message(a2)->parentId, std::optional<qint64>(u2));
}

void TestConversationStore::branchingErrors() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path(), nullptr);
    const qint64 c = *store->createConversation(QStringLiteral("one"));
    const qint64 d = *store->createConversation(QStringLiteral("two"));
    const qint64 m = *store->addMessage(c, std::nullopt, QStringLiteral("user"), QStringLiteral("hi"));
    QCOMPARE(store->addMessage(d, m, QStringLiteral("user"), QStringLiteral("x")).status().code(),
             ws::Code::InvalidArgument);
    QCOMPARE(store->addMessage(c, m, QStringLiteral("robot"), QStringLiteral("x")).status().code(),
             ws::Code::InvalidArgument);
    QCOMPARE(
        store->addMessage(999, std::nullopt, QStringLiteral("user"), QStringLiteral("x")).status().code(),
        ws::Code::NotFound);
    QCOMPARE(store->addMessage(c, 999, QStringLiteral("user"), QStringLiteral("x")).status().code(),
             ws::Code::NotFound);
    QCOMPARE(store->selectBranch(d, m).code(), ws::Code::InvalidArgument);
    QCOMPARE(store->checkpoint(m, QStringLiteral("x"), {}).code(),
             ws::Code::InvalidArgument); // not streaming
    QCOMPARE(store->checkpoint(999, QStringLiteral("x"), {}).code(), ws::Code::NotFound);
    const qint64 a = *store->beginAnswer(c, m, {}, {});
    QCOMPARE(store->finishAnswer(a, {}, {}, MessageStatus::Streaming, {}).code(), ws::Code::InvalidArgument);
    WS_VERIFY_OK(
        store->finishAnswer(a, QStringLiteral("boom"), {}, MessageStatus::Error, {}, QStringLiteral("OOM")));
    QCOMPARE(store->message(a)->error, QStringLiteral("OOM"));
    QCOMPARE(store->finishAnswer(a, {}, {}, MessageStatus::Complete, {}).code(), ws::Code::InvalidArgument);
    QCOMPARE(int(store->messages(d).size()), 0);
}

void TestConversationStore::trashUndoAndPurge() {
    QTemporaryDir dir;
    qint64 old = 0;
    {
        WS_OPEN(store, dir.path(), nullptr);
        const qint64 a = *store->createConversation(QStringLiteral("keep"));
        const qint64 b = *store->createConversation(QStringLiteral("delete me"));
        WS_VERIFY_OK(store->addMessage(b, std::nullopt, QStringLiteral("user"), QStringLiteral("bye")));

        WS_VERIFY_OK(store->moveToTrash(b));
        QCOMPARE(int(store->conversations().size()), 1);
        QCOMPARE(int(store->trash().size()), 1);
        QVERIFY(store->conversation(b)->deletedAt);
        WS_VERIFY_OK(store->restore(b)); // the undo
        QCOMPARE(int(store->conversations().size()), 2);
        QCOMPARE(int(store->trash().size()), 0);
        QCOMPARE(int(store->messages(b).size()), 1);

        WS_VERIFY_OK(store->moveToTrash(b));
        const qint64 deletedAt = *store->conversation(b)->deletedAt;
        QCOMPARE(*store->purgeTrash(deletedAt + 29 * kDayMs), 0); // not yet 30 days
        QCOMPARE(*store->purgeTrash(deletedAt + 31 * kDayMs), 1);
        QVERIFY(!store->conversation(b));
        QCOMPARE(int(store->messages(b).size()), 0);
        QVERIFY(store->conversation(a));

        old = *store->createConversation(QStringLiteral("deleted long ago"));
        WS_VERIFY_OK(store->moveToTrash(old));
    }
    {
        Database raw(dbPath(dir), Database::Mode::ReadWrite);
        raw.exec(
            "UPDATE conversations SET deleted_at = deleted_at - 31 * 86400000 WHERE deleted_at IS NOT NULL");
    }
    WS_OPEN(store, dir.path(), nullptr); // open purges
    QVERIFY(!store->conversation(old));
    QCOMPARE(int(store->conversations().size()), 1);
}

void TestConversationStore::search() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path(), nullptr);
    const qint64 c = *store->createConversation(QStringLiteral("search me"));
    const auto user = QStringLiteral("user");
    auto add = [&](const QString& text, const QString& reasoning = {}) {
        return *store->addMessage(c, std::nullopt, user, text, reasoning);
    };
    const qint64 en = add(QStringLiteral("The whale song is beautiful tonight"));
    const qint64 zhStart = add(QStringLiteral("鲸歌是一个本地聊天应用"));
    const qint64 zhEnd = add(QStringLiteral("我喜欢鲸歌"));
    const qint64 zhOnly = add(QStringLiteral("鲸歌"));
    const qint64 mixed = add(QStringLiteral("关于AI的问题：鲸歌 supports Chinese"));
    const qint64 ai = add(QStringLiteral("Local ai models and whale migration"));
    const qint64 thought = add(QStringLiteral("An answer"), QStringLiteral("thinking about dolphins first"));
    const qint64 percent = add(QStringLiteral("100% sure, snake_case"));
    const qint64 t = *store->createConversation(QStringLiteral("trashed"));
    WS_VERIFY_OK(store->addMessage(t, std::nullopt, user, QStringLiteral("鲸歌 whale AI 鲸 dolphins")));
    WS_VERIFY_OK(store->moveToTrash(t));

    using V = std::vector<qint64>;
    QCOMPARE(hitIds(store->search(QStringLiteral("whale"))), (V{en, ai})); // English, 3+ characters
    QCOMPARE(hitIds(store->search(QStringLiteral("WHALE"))), (V{en, ai})); // ASCII case ignored
    QCOMPARE(hitIds(store->search(QStringLiteral("鲸歌"))),
             (V{zhStart, zhEnd, zhOnly, mixed}));                          // 2 characters
    QCOMPARE(hitIds(store->search(QStringLiteral("ai"))), (V{mixed, ai})); // 2 ASCII characters
    QCOMPARE(hitIds(store->search(QStringLiteral("鲸"))), (V{zhStart, zhEnd, zhOnly, mixed})); // 1 character
    QCOMPARE(hitIds(store->search(QStringLiteral("鲸歌 Chinese"))), (V{mixed})); // mixed zh/en: every term
    QCOMPARE(hitIds(store->search(QStringLiteral("AI 鲸歌"))), (V{mixed}));
    QCOMPARE(hitIds(store->search(QStringLiteral("  whale\tmigration "))), (V{ai}));
    QCOMPARE(hitIds(store->search(QStringLiteral("喜 鲸"))), (V{zhEnd}));      // only short terms: a scan
    QCOMPARE(hitIds(store->search(QStringLiteral("dolphins"))), (V{thought})); // found in the reasoning
    QCOMPARE(hitIds(store->search(QStringLiteral("%"))), (V{percent}));        // LIKE wildcards are literal
    QCOMPARE(hitIds(store->search(QStringLiteral("e_c"))), (V{percent}));
    QCOMPARE(hitIds(store->search(QStringLiteral("_"))), (V{percent}));
    QVERIFY(store->search(QStringLiteral("鲸歌 absent")).empty());
    QVERIFY(store->search(QStringLiteral("歌鲸")).empty());
    QVERIFY(store->search(QString()).empty());
    QVERIFY(store->search(QStringLiteral("   ")).empty());
    // FTS5 syntax in the query is text, not syntax.
    QVERIFY(store->search(QStringLiteral("\"whale OR NOT* (")).empty());
    QCOMPARE(hitIds(store->search(QStringLiteral("whale -"))), (V{}));

    const auto hits = store->search(QStringLiteral("dolphins"));
    QCOMPARE(hits.front().conversationId, c);
    QCOMPARE(hits.front().title, QStringLiteral("search me"));
    QVERIFY2(hits.front().snippet.contains(QLatin1String("[dolphins]")), qPrintable(hits.front().snippet));
    QCOMPARE(int(store->search(QStringLiteral("鲸"), 2).size()), 2); // limit
}

void TestConversationStore::searchRankingAndSnippet() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path(), nullptr);
    const qint64 c = *store->createConversation(QStringLiteral("ranking"));
    const auto user = QStringLiteral("user");
    QString filler;
    for (int i = 0; i < 40; ++i)
        filler += QStringLiteral("ocean current %1 drifts past the harbour. ").arg(i);
    const qint64 weak =
        *store->addMessage(c, std::nullopt, user, filler + QStringLiteral("A whale passed by.") + filler);
    const qint64 strong =
        *store->addMessage(c, std::nullopt, user, QStringLiteral("whale whale whale: the whale"));
    const qint64 zh = *store->addMessage(c, std::nullopt, user,
                                         filler + QStringLiteral("我们今天讨论鲸歌这个项目。") + filler);

    const auto hits = store->search(QStringLiteral("whale"));
    QCOMPARE(int(hits.size()), 2);
    QCOMPARE(hits[0].messageId, strong); // bm25: more matches in a shorter text rank first
    QCOMPARE(hits[1].messageId, weak);
    QVERIFY2(hits[1].snippet.contains(QLatin1String("[whale]")), qPrintable(hits[1].snippet));
    QVERIFY2(hits[1].snippet.size() < 100, qPrintable(hits[1].snippet)); // a piece, not the whole message
    QVERIFY(hits[1].snippet.startsWith(QChar(0x2026)) && hits[1].snippet.endsWith(QChar(0x2026)));

    const auto zhHits = store->search(QStringLiteral("鲸歌"));
    QCOMPARE(int(zhHits.size()), 1);
    QCOMPARE(zhHits[0].messageId, zh);
    QVERIFY2(zhHits[0].snippet.contains(QStringLiteral("讨论[鲸歌]这个")), qPrintable(zhHits[0].snippet));

    const auto both = store->search(QStringLiteral("鲸歌 ocean"));
    QCOMPARE(int(both.size()), 1);
    QVERIFY2(both[0].snippet.contains(QLatin1String("[ocean]")), qPrintable(both[0].snippet));
}

void TestConversationStore::corruptFileSetAside_data() {
    QTest::addColumn<QString>("kind");
    QTest::newRow("random bytes") << QStringLiteral("random");
    QTest::newRow("text file") << QStringLiteral("text");
    QTest::newRow("truncated database") << QStringLiteral("truncated");
}

void TestConversationStore::corruptFileSetAside() {
    QFETCH(QString, kind);
    QTemporaryDir dir;
    if (kind == QLatin1String("random")) {
        QByteArray bytes(64 * 1024, '\0');
        QRandomGenerator rng(42);
        for (auto& b : bytes)
            b = static_cast<char>(rng.bounded(256));
        writeFile(dbPath(dir), bytes);
    } else if (kind == QLatin1String("text")) {
        writeFile(dbPath(dir), "These are my notes, not a database.\n");
    } else {
        {
            WS_OPEN(store, dir.path(), nullptr);
            const qint64 c = *store->createConversation(QStringLiteral("big"));
            const QString text = QString(2000, QLatin1Char('x'));
            WS_VERIFY_OK(store->inTransaction([&]() -> ws::Status {
                for (int i = 0; i < 200; ++i)
                    WS_TRY(store->addMessage(c, std::nullopt, QStringLiteral("user"), text));
                return ws::Status::ok();
            }));
        }
        QFile f(dbPath(dir));
        QVERIFY(f.size() > 400 * 1024);
        QVERIFY(f.resize(f.size() / 2));
    }
    const QByteArray original = readAll(dbPath(dir));

    OpenNotice notice;
    WS_OPEN(store, dir.path(), &notice);
    QVERIFY(!notice.setAsidePath.isEmpty());
    QVERIFY2(QFileInfo(notice.setAsidePath).fileName().startsWith(QLatin1String("whalesong.db.corrupt-")),
             qPrintable(notice.setAsidePath));
    QCOMPARE(readAll(notice.setAsidePath), original); // kept, never deleted
    // A fresh database that works.
    QCOMPARE(int(store->conversations().size()), 0);
    const qint64 c = *store->createConversation(QStringLiteral("fresh"));
    WS_VERIFY_OK(store->addMessage(c, std::nullopt, QStringLiteral("user"), QStringLiteral("works")));
    Database raw(dbPath(dir), Database::Mode::ReadWrite);
    QCOMPARE(raw.queryText("PRAGMA integrity_check"), QStringLiteral("ok"));
}

void TestConversationStore::interruptedAtReopen() {
    QTemporaryDir dir;
    qint64 answer = 0;
    {
        WS_OPEN(store, dir.path(), nullptr);
        const qint64 c = *store->createConversation(QStringLiteral("crash"));
        const qint64 q =
            *store->addMessage(c, std::nullopt, QStringLiteral("user"), QStringLiteral("tell me"));
        answer = *store->beginAnswer(c, q, QStringLiteral("m"), QStringLiteral("cpu"));
        WS_VERIFY_OK(store->checkpoint(answer, QStringLiteral("partial ans"), QStringLiteral("hmm")));
        QCOMPARE(store->message(answer)->status, MessageStatus::Streaming);
    } // the "crash": never finished
    OpenNotice notice;
    WS_OPEN(store, dir.path(), &notice);
    QCOMPARE(notice.interruptedMessages, 1);
    const auto m = store->message(answer);
    QCOMPARE(m->status, MessageStatus::Interrupted);
    QCOMPARE(m->content, QStringLiteral("partial ans"));
    QCOMPARE(m->reasoning, QStringLiteral("hmm"));
    OpenNotice again;
    WS_OPEN(store2, dir.path(), &again);
    QCOMPARE(again.interruptedMessages, 0);
}

void TestConversationStore::dailyBackupKeepsSeven() {
    QTemporaryDir dir;
    const QString backups = dir.filePath(QStringLiteral("backups"));
    const QString today =
        QStringLiteral("whalesong-%1.db").arg(QDate::currentDate().toString(QStringLiteral("yyyyMMdd")));
    {
        OpenNotice notice;
        WS_OPEN(store, dir.path(), &notice);
        QCOMPARE(notice.backupPath, QDir(backups).filePath(today));
        QVERIFY(QFileInfo::exists(notice.backupPath));
        WS_VERIFY_OK(store->createConversation(QStringLiteral("kept")));
    }
    {
        OpenNotice notice;
        WS_OPEN(store, dir.path(), &notice);
        QVERIFY(notice.backupPath.isEmpty()); // one a day
    }
    // Nine older backups; today's missing: after open, today's and the six newest others remain.
    QVERIFY(QFile::remove(QDir(backups).filePath(today)));
    for (int day = 1; day <= 9; ++day)
        writeFile(QDir(backups).filePath(QStringLiteral("whalesong-2020010%1.db").arg(day)), "old");
    OpenNotice notice;
    WS_OPEN(store, dir.path(), &notice);
    QCOMPARE(notice.backupPath, QDir(backups).filePath(today));
    QStringList expected{today};
    for (int day = 9; day >= 4; --day)
        expected << QStringLiteral("whalesong-2020010%1.db").arg(day);
    QCOMPARE(QDir(backups).entryList(QDir::Files, QDir::Name | QDir::Reversed), expected);
    // The backup is a working copy of the database.
    WS_VERIFY_OK(store->backupTo(dir.filePath(QStringLiteral("copy.db"))));
    Database copy(dir.filePath(QStringLiteral("copy.db")), Database::Mode::ReadWrite);
    QCOMPARE(copy.queryText("PRAGMA integrity_check"), QStringLiteral("ok"));
    QCOMPARE(copy.queryText("SELECT title FROM conversations"), QStringLiteral("kept"));
}

void TestConversationStore::backupBeforeMigration() {
    QTemporaryDir dir;
    {
        WS_OPEN(store, dir.path(), nullptr);
        WS_VERIFY_OK(store->createConversation(QStringLiteral("before v2")));
    }
    // A version after the latest real one (so this test keeps working as real versions are added).
    const int latest = Migrations::latestVersion();
    const int next = latest + 1;
    std::vector<Migration> withNext = Migrations::list();
    withNext.push_back({next, "CREATE TABLE test_next (x INTEGER) STRICT;"});
    MigrationOverride override(withNext);

    OpenNotice notice;
    WS_OPEN(store, dir.path(), &notice);
    const QString expected = QStringLiteral("-before-v%1.db").arg(next);
    QVERIFY2(notice.backupPath.contains(expected), qPrintable(notice.backupPath));
    {
        Database backup(notice.backupPath, Database::Mode::ReadWrite);
        QCOMPARE(backup.queryInt("PRAGMA user_version"), qint64(latest));
        QCOMPARE(backup.queryText("SELECT title FROM conversations"), QStringLiteral("before v2"));
        QCOMPARE(backup.queryText("PRAGMA integrity_check"), QStringLiteral("ok"));
    }
    Database raw(dbPath(dir), Database::Mode::ReadWrite);
    QCOMPARE(raw.queryInt("PRAGMA user_version"), qint64(next));
    QCOMPARE(raw.queryInt("SELECT count(*) FROM sqlite_schema WHERE name = 'test_next'"), qint64(1));
    QCOMPARE(store->conversations().front().title, QStringLiteral("before v2"));
}

void TestConversationStore::tenMegabyteMessage() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path(), nullptr);
    const qint64 c = *store->createConversation(QStringLiteral("big"));
    QString big;
    big.reserve(10 * 1024 * 1024 + 16);
    const QString chunk = QStringLiteral("鲸歌 streams text; ");
    while (big.size() < 10 * 1024 * 1024)
        big += chunk;
    big += QStringLiteral("needle");
    const qint64 m = *store->addMessage(c, std::nullopt, QStringLiteral("assistant"), big, big.left(1000));
    const auto back = store->message(m);
    QVERIFY(back);
    QCOMPARE(back->content.size(), big.size());
    QVERIFY(back->content == big);
    const auto hits = store->search(QStringLiteral("needle"));
    QCOMPARE(int(hits.size()), 1);
    QVERIFY(hits[0].snippet.endsWith(QLatin1String("[needle]")));
}

void TestConversationStore::invalidUtf8() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path(), nullptr);
    const QByteArray bad("bad \xff\xfe bytes \xc3\x28 and \xed\xa0\x80 surrogate \xf4\x90\x80\x80 end");
    const QString decoded = QString::fromUtf8(bad); // U+FFFD where the bytes were invalid
    QVERIFY(decoded.contains(QChar(0xFFFD)));
    const qint64 c = *store->createConversation(decoded);
    const qint64 m = *store->addMessage(c, std::nullopt, QStringLiteral("user"), decoded, decoded);
    QCOMPARE(store->message(m)->content, decoded);
    QCOMPARE(store->message(m)->reasoning, decoded);
    QCOMPARE(store->conversation(c)->title, decoded);

    // A lone surrogate cannot be stored as UTF-8; it must not break anything either.
    const QString lone = QStringLiteral("lone ") + QChar(0xD800) + QStringLiteral(" surrogate");
    const qint64 m2 = *store->addMessage(c, m, QStringLiteral("user"), lone);
    const QString back = store->message(m2)->content;
    QVERIFY(back.startsWith(QLatin1String("lone ")) && back.endsWith(QLatin1String(" surrogate")));
    QVERIFY(!store->search(QStringLiteral("surrogate")).empty());
    store->search(decoded); // terms with U+FFFD: any result, but no failure
}

void TestConversationStore::twoStoresWritingConcurrently() {
    QTemporaryDir dir;
    { WS_OPEN(store, dir.path(), nullptr); } // created once; then two connections share it
    constexpr int kRounds = 100;
    std::atomic<int> failures{0};
    std::vector<std::string> errors(2);
    auto writer = [&](int index) {
        auto opened = ConversationStore::open(dir.path());
        if (!opened) {
            errors[index] = opened.status().message();
            ++failures;
            return;
        }
        auto& store = *opened.value();
        auto check = [&](const ws::Status& s) {
            if (!s.isOk()) {
                errors[index] = s.message();
                ++failures;
            }
        };
        const auto c = store.createConversation(QStringLiteral("writer %1").arg(index));
        check(c.status());
        if (!c)
            return;
        std::optional<qint64> parent;
        for (int i = 0; i < kRounds; ++i) {
            const auto q = store.addMessage(*c, parent, QStringLiteral("user"), QStringLiteral("q%1").arg(i));
            check(q.status());
            if (!q)
                return;
            const auto a = store.beginAnswer(*c, *q, {}, {});
            check(a.status());
            if (!a)
                return;
            check(store.checkpoint(*a, QStringLiteral("part"), {}));
            check(
                store.finishAnswer(*a, QStringLiteral("answer %1").arg(i), {}, MessageStatus::Complete, {}));
            parent = *a;
        }
    };
    std::thread first(writer, 0);
    std::thread second(writer, 1);
    first.join();
    second.join();
    QVERIFY2(failures == 0, (errors[0] + " | " + errors[1]).c_str());

    Database raw(dbPath(dir), Database::Mode::ReadWrite);
    QCOMPARE(raw.queryText("PRAGMA integrity_check"), QStringLiteral("ok"));
    QCOMPARE(raw.queryInt("SELECT count(*) FROM messages"), qint64(2 * 2 * kRounds));
    QCOMPARE(raw.queryInt("SELECT count(*) FROM messages WHERE status = 'complete'"),
             qint64(2 * 2 * kRounds));
    raw.exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");
}

void TestConversationStore::streamCheckpointerBatching() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path(), nullptr);
    const qint64 c = *store->createConversation(QStringLiteral("stream"));
    const qint64 q = *store->addMessage(c, std::nullopt, QStringLiteral("user"), QStringLiteral("go"));
    const qint64 a = *store->beginAnswer(c, q, {}, {});
    qint64 clock = 1000;
    StreamCheckpointer stream(*store, a, 250, 64, [&] { return clock; });

    // Fast tokens: one checkpoint per 64.
    for (int i = 0; i < 200; ++i)
        WS_VERIFY_OK(stream.append(QStringLiteral("t"), {}));
    QCOMPARE(stream.checkpoints(), 3);
    QCOMPARE(stream.pendingTokens(), 200 - 192);
    QCOMPARE(store->message(a)->content.size(), 192);

    // Slow tokens: a checkpoint once 250 ms have passed since the last one.
    for (int i = 0; i < 9; ++i) {
        clock += 30;
        WS_VERIFY_OK(stream.append(QStringLiteral("s"), QStringLiteral("r")));
    }
    QCOMPARE(stream.checkpoints(), 4); // at 270 ms
    QCOMPARE(store->message(a)->content.size(), 200 + 9);
    QCOMPARE(store->message(a)->reasoning, QStringLiteral("rrrrrrrrr"));
    QCOMPARE(store->message(a)->status, MessageStatus::Streaming);

    clock += 10;
    WS_VERIFY_OK(stream.append(QStringLiteral("!"), {}));
    QCOMPARE(stream.checkpoints(), 4);
    WS_VERIFY_OK(stream.flush());
    QCOMPARE(stream.checkpoints(), 5);
    WS_VERIFY_OK(stream.flush()); // nothing pending: no write
    QCOMPARE(stream.checkpoints(), 5);

    MessageStats stats;
    stats.completionTokens = 210;
    stats.decodeTokensPerSecond = 12.5;
    WS_VERIFY_OK(stream.finish(MessageStatus::Stopped, stats));
    const auto done = store->message(a);
    QCOMPARE(done->status, MessageStatus::Stopped);
    QCOMPARE(done->content, stream.content());
    QCOMPARE(done->stats.completionTokens, std::optional<int>(210));
    QCOMPARE(done->stats.decodeTokensPerSecond, std::optional<double>(12.5));
    QVERIFY(!done->stats.promptTokens);

    // The real clock works too.
    const qint64 b = *store->beginAnswer(c, q, {}, {});
    StreamCheckpointer real(*store, b);
    WS_VERIFY_OK(real.append(QStringLiteral("x")));
    QTest::qWait(260);
    WS_VERIFY_OK(real.append(QStringLiteral("y")));
    QCOMPARE(real.checkpoints(), 1);
    QCOMPARE(store->message(b)->content, QStringLiteral("xy"));
}

void TestConversationStore::inTransactionAllOrNothing() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path(), nullptr);
    // A failing body leaves nothing behind, including what nested store calls committed "inside" it.
    const auto failed = store->inTransaction([&]() -> ws::Status {
        const auto c = store->createConversation(QStringLiteral("half"));
        WS_TRY(c);
        WS_TRY(store->addMessage(*c, std::nullopt, QStringLiteral("user"), QStringLiteral("one")));
        return store->addMessage(*c, std::nullopt, QStringLiteral("nobody"), QStringLiteral("two")).status();
    });
    QCOMPARE(failed.code(), ws::Code::InvalidArgument);
    QCOMPARE(int(store->conversations().size()), 0);
    QVERIFY(store->search(QStringLiteral("one")).empty());

    // A failed inner step that the body tolerates is undone alone; the rest commits.
    WS_VERIFY_OK(store->inTransaction([&]() -> ws::Status {
        const auto c = store->createConversation(QStringLiteral("whole"));
        WS_TRY(c);
        if (store->addMessage(*c, 424242, QStringLiteral("user"), QStringLiteral("orphan")).isOk())
            return {ws::Code::Internal, "an orphan was accepted"};
        WS_TRY(store->inTransaction([&]() -> ws::Status { // nested
            return store->addMessage(*c, std::nullopt, QStringLiteral("user"), QStringLiteral("kept"))
                .status();
        }));
        return ws::Status::ok();
    }));
    QCOMPARE(int(store->conversations().size()), 1);
    QCOMPARE(int(store->messages(store->conversations().front().id).size()), 1);

    // A body that throws is a failure too, never an escaping exception.
    const auto thrown = store->inTransaction([&]() -> ws::Status {
        WS_TRY(store->createConversation(QStringLiteral("thrown")));
        throw std::runtime_error("boom");
    });
    QCOMPARE(thrown.code(), ws::Code::Internal);
    QCOMPARE(int(store->conversations().size()), 1);
}

void TestConversationStore::insertConversationKeepsEverything() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path(), nullptr);
    ConversationRecord c;
    c.uuid = QStringLiteral("11111111-2222-3333-4444-555555555555");
    c.title = QStringLiteral("imported");
    c.createdAt = 1600000000000;
    c.updatedAt = 1600000005000;
    c.pinned = true;
    c.model = QStringLiteral("deepseek");
    c.systemPrompt = QStringLiteral("sys");
    c.settings = QJsonObject{{QStringLiteral("temperature"), 0.3}};
    c.currentLeafId = 30;
    std::vector<MessageRecord> messages(4);
    messages[0] = {10,
                   0,
                   std::nullopt,
                   QStringLiteral("user"),
                   QStringLiteral("q"),
                   {},
                   MessageStatus::Complete,
                   {},
                   1600000001000,
                   {},
                   {},
                   {},
                   {}};
    messages[1] = {20,
                   0,
                   10,
                   QStringLiteral("assistant"),
                   QStringLiteral("a"),
                   QStringLiteral("think"),
                   MessageStatus::Stopped,
                   {},
                   1600000002000,
                   {},
                   QStringLiteral("m1"),
                   QStringLiteral("cuda"),
                   QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("call_x")},
                                          {QStringLiteral("type"), QStringLiteral("function")},
                                          {QStringLiteral("function"),
                                           QJsonObject{{QStringLiteral("name"), QStringLiteral("look_up")},
                                                       {QStringLiteral("arguments"), QStringLiteral("{\"q\": 1}")}}}}}};
    messages[1].stats.promptTokens = 5;
    messages[1].stats.timeToFirstTokenMs = 40.5;
    messages[2] = {30,
                   0,
                   10,
                   QStringLiteral("assistant"),
                   QStringLiteral("a2"),
                   {},
                   MessageStatus::Error,
                   QStringLiteral("failed"),
                   1600000003000,
                   {},
                   {},
                   {},
                   {}};
    messages[3] = {40,
                   0,
                   20,
                   QStringLiteral("user"),
                   QStringLiteral("q2"),
                   {},
                   MessageStatus::Complete,
                   {},
                   1600000004000,
                   {},
                   {},
                   {},
                   {}};

    const qint64 id = *store->insertConversation(c, messages);
    const auto back = store->conversation(id);
    QCOMPARE(back->uuid, c.uuid);
    QCOMPARE(back->createdAt, c.createdAt);
    QCOMPARE(back->updatedAt, c.updatedAt);
    QVERIFY(back->pinned);
    QCOMPARE(back->settings, c.settings);
    const auto stored = store->messages(id);
    QCOMPARE(int(stored.size()), 4);
    QCOMPARE(stored[1].parentId, std::optional<qint64>(stored[0].id));
    QCOMPARE(stored[3].parentId, std::optional<qint64>(stored[1].id));
    QCOMPARE(stored[1].status, MessageStatus::Stopped);
    QCOMPARE(stored[1].reasoning, QStringLiteral("think"));
    QCOMPARE(stored[1].stats.promptTokens, std::optional<int>(5));
    QCOMPARE(stored[1].stats.timeToFirstTokenMs, std::optional<double>(40.5));
    QCOMPARE(stored[1].backend, QStringLiteral("cuda"));
    QCOMPARE(stored[1].toolCalls, messages[1].toolCalls);
    QVERIFY(stored[0].toolCalls.isEmpty());
    QCOMPARE(stored[2].error, QStringLiteral("failed"));
    QCOMPARE(stored[3].createdAt, qint64(1600000004000));
    QCOMPARE(ids(store->currentBranch(id)), (std::vector<qint64>{stored[0].id, stored[2].id}));
    QVERIFY(store->hasUuid(c.uuid));

    // The same uuid again is refused; a parent listed after its child is refused; nothing half-inserted.
    QCOMPARE(store->insertConversation(c, messages).status().code(), ws::Code::InvalidArgument);
    ConversationRecord d = c;
    d.uuid = QStringLiteral("other");
    d.currentLeafId.reset();
    std::vector<MessageRecord> backwards{messages[1], messages[0]};
    const auto bad = store->insertConversation(d, backwards);
    QCOMPARE(bad.status().code(), ws::Code::InvalidArgument);
    QVERIFY2(QString::fromStdString(bad.status().message()).contains(QLatin1String("messages[0]")),
             bad.status().message().c_str());
    QVERIFY(!store->hasUuid(d.uuid));
    // No current leaf given: the newest path from the first root.
    const qint64 e = *store->insertConversation(d, messages);
    QCOMPARE(store->currentBranch(e).back().content, QStringLiteral("a2"));
}

// MessageStats::reasoningMs (schema version 2) through every path: finishAnswer, insertConversation, JSON
// export and import; files written before it (schema_version 1, no "reasoning_ms") still import.
void TestConversationStore::reasoningTimeRoundTrips() {
    QTemporaryDir dir, other;
    WS_OPEN(store, dir.path(), nullptr);
    const qint64 c = *store->createConversation(QStringLiteral("thinking"));
    const qint64 q = *store->addMessage(c, std::nullopt, QStringLiteral("user"), QStringLiteral("why?"));
    const qint64 thought = *store->beginAnswer(c, q, QStringLiteral("r1"), QStringLiteral("cpu"));
    MessageStats stats;
    stats.completionTokens = 12;
    stats.reasoningMs = 2718.5;
    WS_VERIFY_OK(store->finishAnswer(thought, QStringLiteral("because"), QStringLiteral("let me think"),
                                     MessageStatus::Complete, stats));
    QCOMPARE(store->message(thought)->stats.reasoningMs, std::optional<double>(2718.5));
    const qint64 plain = *store->beginAnswer(c, q, QStringLiteral("v3"), QStringLiteral("cpu"));
    WS_VERIFY_OK(store->finishAnswer(plain, QStringLiteral("because."), {}, MessageStatus::Complete, {}));
    QCOMPARE(store->message(plain)->stats.reasoningMs, std::optional<double>());

    // insertConversation keeps it.
    ConversationRecord record;
    record.title = QStringLiteral("inserted");
    MessageRecord m;
    m.id = 1;
    m.role = QStringLiteral("assistant");
    m.content = QStringLiteral("x");
    m.stats.reasoningMs = 0.5;
    const qint64 inserted = *store->insertConversation(record, {m});
    QCOMPARE(store->messages(inserted).front().stats.reasoningMs, std::optional<double>(0.5));

    // Export and import: the value in the file, and back in another store.
    const QJsonObject exported = store->exportJson({c});
    const QJsonArray messages = exported.value(QLatin1String("conversations"))
                                    .toArray()
                                    .at(0)
                                    .toObject()
                                    .value(QLatin1String("messages"))
                                    .toArray();
    QCOMPARE(messages.size(), 3);
    const auto reasoningMsAt = [&](int i) {
        return messages.at(i)
            .toObject()
            .value(QLatin1String("stats"))
            .toObject()
            .value(QLatin1String("reasoning_ms"));
    };
    QCOMPARE(reasoningMsAt(1).toDouble(), 2718.5);
    QVERIFY(reasoningMsAt(2).isNull());
    WS_OPEN(copy, other.path(), nullptr);
    const auto imported = copy->importJson(QJsonDocument(exported).toJson());
    WS_VERIFY_OK(imported);
    QCOMPARE(*imported, 1);
    const auto copied = copy->messages(copy->conversations().front().id);
    QCOMPARE(int(copied.size()), 3);
    QCOMPARE(copied[1].stats.reasoningMs, std::optional<double>(2718.5));
    QCOMPARE(copied[2].stats.reasoningMs, std::optional<double>());

    // A file of schema version 1 has no "reasoning_ms": it imports, the time unknown.
    QJsonObject v1 = exported;
    v1.insert(QLatin1String("schema_version"), 1);
    QJsonObject conv = v1.value(QLatin1String("conversations")).toArray().at(0).toObject();
    conv.insert(QLatin1String("uuid"), QStringLiteral("from-v1"));
    QJsonArray oldMessages;
    for (const QJsonValue& v : conv.value(QLatin1String("messages")).toArray()) {
        QJsonObject o = v.toObject();
        QJsonObject s = o.value(QLatin1String("stats")).toObject();
        s.remove(QLatin1String("reasoning_ms"));
        o.insert(QLatin1String("stats"), s);
        oldMessages.append(o);
    }
    conv.insert(QLatin1String("messages"), oldMessages);
    v1.insert(QLatin1String("conversations"), QJsonArray{conv});
    const auto importedV1 = copy->importJson(QJsonDocument(v1).toJson());
    WS_VERIFY_OK(importedV1);
    QCOMPARE(*importedV1, 1);
    bool found = false;
    for (const ConversationRecord& r : copy->conversations()) {
        if (r.uuid != QLatin1String("from-v1"))
            continue;
        found = true;
        const auto old = copy->messages(r.id);
        QCOMPARE(int(old.size()), 3);
        QCOMPARE(old[1].stats.completionTokens, std::optional<int>(12));
        QCOMPARE(old[1].stats.reasoningMs, std::optional<double>());
    }
    QVERIFY(found);
}

QTEST_GUILESS_MAIN(TestConversationStore)
#include "tst_conversation_store.moc"
