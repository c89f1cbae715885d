// ConversationStore: opening (checks, set-aside, migrations, backups), conversations, the message tree,
// search.
#include "conversation_store.h"

#include "migrations.h"
#include "search_query.h"
#include "sqlite/database.h"
#include "sqlite/sqlite_error.h"
#include "sqlite/statement.h"
#include "sqlite/transaction.h"
#include "store_backups.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QThread>
#include <QUuid>
#include <QtDebug>
#include <algorithm>
#include <new>
#include <sqlite3.h>
#include <string>
#include <unordered_map>
#include <utility>

// Column lists shared by every query that reads whole rows (readMessage/readConversation use these indexes).
#define WS_MESSAGE_COLUMNS                                                                                   \
    "m.id, m.conversation_id, m.parent_id, m.role, m.content, m.reasoning, m.status, m.error, "              \
    "m.created_at, m.prompt_tokens, m.completion_tokens, m.ttft_ms, m.prefill_tps, m.decode_tps, m.model, "  \
    "m.backend, m.reasoning_ms, m.tool_calls"
#define WS_CONVERSATION_COLUMNS                                                                              \
    "c.id, c.uuid, c.title, c.created_at, c.updated_at, c.pinned, c.deleted_at, c.model, c.system_prompt, "  \
    "c.settings, c.current_leaf_id"

namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr qint64 kDayMs = 24LL * 3600 * 1000;
// Above this many trigrams starting with a 2-character term, an FTS5 OR gets slower than LIKE on candidates.
constexpr int kMaxTrigramAlternatives = 400;
// Above this many candidate messages for a 2-character term, results are listed newest first instead of by
// bm25.
constexpr qint64 kMaxRankedPairRows = 5000;

qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

std::string str(const QString& s) { return s.toStdString(); }

ws::Code codeFor(const SqliteError& e) {
    switch (e.primaryCode()) {
    case SQLITE_CONSTRAINT:
        return ws::Code::InvalidArgument;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return ws::Code::FormatError;
    case SQLITE_NOMEM:
        return ws::Code::OutOfMemory;
    case SQLITE_TOOBIG:
        return ws::Code::OutOfRange;
    default:
        return ws::Code::IoError;
    }
}

/// The boundary between the exception-based sqlite layer and ws::Status: nothing is thrown out of the store.
template <typename Body> auto guarded(const char* what, Body&& body) -> decltype(body()) {
    try {
        return body();
    } catch (const SqliteError& e) {
        return ws::Status(codeFor(e), std::string(what) + ": " + e.what());
    } catch (const std::bad_alloc&) {
        return ws::Status(ws::Code::OutOfMemory, std::string(what) + ": out of memory");
    } catch (const std::exception& e) {
        return ws::Status(ws::Code::Internal, std::string(what) + ": " + e.what());
    }
}

/// The same for the reading methods, which return no Status: the failure is logged, the result empty.
template <typename T, typename Body> T guardedRead(const char* what, Body&& body) {
    try {
        return body();
    } catch (const std::exception& e) {
        qWarning("ConversationStore::%s: %s", what, e.what());
        return T{};
    }
}

bool isRole(const QString& role) {
    return role == QLatin1String("system") || role == QLatin1String("user") ||
           role == QLatin1String("assistant") || role == QLatin1String("tool");
}

QString settingsText(const QJsonObject& settings) {
    return QString::fromUtf8(QJsonDocument(settings).toJson(QJsonDocument::Compact));
}

QString toolCallsText(const QJsonArray& calls) {
    return QString::fromUtf8(QJsonDocument(calls).toJson(QJsonDocument::Compact));
}

MessageRecord readMessage(const Statement& st) {
    MessageRecord m;
    m.id = st.int64(0);
    m.conversationId = st.int64(1);
    m.parentId = st.optionalInt64(2);
    m.role = st.text(3);
    m.content = st.text(4);
    m.reasoning = st.text(5);
    m.status = parseMessageStatus(st.text(6)).value_or(MessageStatus::Error);
    m.error = st.text(7);
    m.createdAt = st.int64(8);
    if (const auto v = st.optionalInt64(9))
        m.stats.promptTokens = static_cast<int>(*v);
    if (const auto v = st.optionalInt64(10))
        m.stats.completionTokens = static_cast<int>(*v);
    m.stats.timeToFirstTokenMs = st.optionalReal(11);
    m.stats.prefillTokensPerSecond = st.optionalReal(12);
    m.stats.decodeTokensPerSecond = st.optionalReal(13);
    m.model = st.text(14);
    m.backend = st.text(15);
    m.stats.reasoningMs = st.optionalReal(16);
    m.toolCalls = QJsonDocument::fromJson(st.text(17).toUtf8()).array();
    return m;
}

ConversationRecord readConversation(const Statement& st) {
    ConversationRecord c;
    c.id = st.int64(0);
    c.uuid = st.text(1);
    c.title = st.text(2);
    c.createdAt = st.int64(3);
    c.updatedAt = st.int64(4);
    c.pinned = st.int64(5) != 0;
    c.deletedAt = st.optionalInt64(6);
    c.model = st.text(7);
    c.systemPrompt = st.text(8);
    c.settings = QJsonDocument::fromJson(st.text(9).toUtf8()).object();
    c.currentLeafId = st.optionalInt64(10);
    return c;
}

std::vector<ConversationRecord> readConversations(Statement& st) {
    std::vector<ConversationRecord> out;
    while (st.step())
        out.push_back(readConversation(st));
    return out;
}

std::vector<MessageRecord> readMessages(Statement& st) {
    std::vector<MessageRecord> out;
    while (st.step())
        out.push_back(readMessage(st));
    return out;
}

/// Inserts one message row; returns its id.
qint64 insertMessage(Database& db, qint64 conversationId, std::optional<qint64> parentId,
                     const MessageRecord& m) {
    Statement st(
        db, "INSERT INTO messages (conversation_id, parent_id, role, content, reasoning, status, error, "
            "created_at, prompt_tokens, completion_tokens, ttft_ms, prefill_tps, decode_tps, model, backend, "
            "reasoning_ms, tool_calls) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
            "?17)");
    st.bind(1, conversationId)
        .bind(2, parentId)
        .bind(3, m.role)
        .bind(4, m.content)
        .bind(5, m.reasoning)
        .bind(6, messageStatusName(m.status))
        .bind(7, m.error)
        .bind(8, m.createdAt)
        .bind(9, m.stats.promptTokens)
        .bind(10, m.stats.completionTokens)
        .bind(11, m.stats.timeToFirstTokenMs)
        .bind(12, m.stats.prefillTokensPerSecond)
        .bind(13, m.stats.decodeTokensPerSecond)
        .bind(14, m.model)
        .bind(15, m.backend)
        .bind(16, m.stats.reasoningMs)
        .bind(17, toolCallsText(m.toolCalls));
    st.run();
    return db.lastInsertRowId();
}

/// updated_at moves strictly forward even for two changes within one millisecond, so "it changed" holds.
void touchConversation(Database& db, qint64 conversationId, qint64 now) {
    Statement st(db, "UPDATE conversations SET updated_at = max(?2, updated_at + 1) WHERE id = ?1");
    st.bind(1, conversationId).bind(2, now).run();
}

/// The leaf reached from `messageId` by following the newest child each time.
qint64 newestLeafFrom(Database& db, qint64 conversationId, qint64 messageId) {
    Statement child(db, "SELECT id FROM messages WHERE conversation_id = ?1 AND parent_id = ?2 "
                        "ORDER BY created_at DESC, id DESC LIMIT 1");
    for (qint64 leaf = messageId;;) {
        child.bind(1, conversationId).bind(2, leaf);
        if (!child.step())
            return leaf;
        leaf = child.int64(0);
        child.reset();
    }
}

/// The conversation must exist, and the parent (when given) must be one of its messages.
ws::Status checkParent(Database& db, qint64 conversationId, std::optional<qint64> parentId) {
    Statement conv(db, "SELECT 1 FROM conversations WHERE id = ?1");
    conv.bind(1, conversationId);
    if (!conv.step())
        return {ws::Code::NotFound, "conversation " + std::to_string(conversationId) + " does not exist"};
    conv.reset();
    if (!parentId)
        return ws::Status::ok();
    Statement parent(db, "SELECT conversation_id FROM messages WHERE id = ?1");
    parent.bind(1, *parentId);
    if (!parent.step())
        return {ws::Code::NotFound, "message " + std::to_string(*parentId) + " does not exist"};
    const qint64 owner = parent.int64(0);
    parent.reset();
    if (owner != conversationId)
        return {ws::Code::InvalidArgument, "message " + std::to_string(*parentId) +
                                               " belongs to conversation " + std::to_string(owner) +
                                               ", not " + std::to_string(conversationId)};
    return ws::Status::ok();
}

/// Why a message cannot be checkpointed or finished: it does not exist, or it is no longer streaming.
ws::Status notStreaming(Database& db, qint64 messageId) {
    Statement st(db, "SELECT status FROM messages WHERE id = ?1");
    st.bind(1, messageId);
    if (!st.step())
        return {ws::Code::NotFound, "message " + std::to_string(messageId) + " does not exist"};
    const QString status = st.text(0);
    st.reset();
    return {ws::Code::InvalidArgument,
            "message " + std::to_string(messageId) + " is not being streamed (status " + str(status) + ")"};
}

enum class Probe { Usable, Corrupt, Refused };

/// Looks at an existing (or new) file before anything writes to it: ours, new, from a newer version, someone
/// else's, or damaged. Only reads (the connection does not checkpoint on close), so a refused file stays
/// byte-identical. Throws SqliteError for errors that are not corruption (permissions, I/O).
Probe probe(const QString& path, std::unique_ptr<Database>& db, int& version, std::string& why) {
    try {
        db = std::make_unique<Database>(path);
        db->setCheckpointOnClose(false);
        db->setBusyTimeout(kBusyTimeoutMs);
        // One read transaction, so the three answers come from one snapshot: another instance may be creating
        // the schema right now, and a mix of before and after would look like someone else's file.
        db->exec("BEGIN");
        const qint64 applicationId = db->queryInt("PRAGMA application_id");
        version = static_cast<int>(db->queryInt("PRAGMA user_version"));
        const bool blank = db->queryInt("SELECT count(*) FROM sqlite_schema") == 0;
        db->exec("COMMIT");
        if (version > Migrations::latestVersion()) {
            why = "written by a newer Whalesong (schema version " + std::to_string(version) +
                  ", this version reads up to " + std::to_string(Migrations::latestVersion()) +
                  "); not opened and left untouched — update Whalesong or use another --data-dir";
            return Probe::Refused;
        }
        const bool ours = applicationId == Migrations::kApplicationId;
        if (!ours && !(blank && version == 0 && applicationId == 0)) {
            why = "not a Whalesong database (application_id " + std::to_string(applicationId) +
                  ", user_version " + std::to_string(version) + "); not opened and left untouched";
            return Probe::Refused;
        }
        if (!blank) {
            const QString check = db->queryText("PRAGMA quick_check");
            if (check != QLatin1String("ok")) {
                why = "quick_check: " + str(check);
                return Probe::Corrupt;
            }
        }
        db->setCheckpointOnClose(true);
        return Probe::Usable;
    } catch (const SqliteError& e) {
        if (!e.isCorruption())
            throw;
        why = e.what();
        return Probe::Corrupt;
    }
}

/// Moves a damaged file (and its -wal/-shm) to whalesong.db.corrupt-YYYYMMDD-HHMMSS; returns the new name.
ws::Result<QString> setAside(const QString& path) {
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    QString aside = path + QLatin1String(".corrupt-") + stamp;
    for (int n = 2; QFileInfo::exists(aside); ++n)
        aside = path + QLatin1String(".corrupt-") + stamp + QLatin1Char('-') + QString::number(n);
    if (!QFile::rename(path, aside))
        return ws::Status(ws::Code::IoError,
                          str(path) + ": damaged, and it cannot be moved aside to " + str(aside));
    for (const QLatin1String suffix : {QLatin1String("-wal"), QLatin1String("-shm")}) {
        // A -wal left beside a fresh file would be replayed into it: it must go with its database.
        if (QFileInfo::exists(path + suffix) && !QFile::rename(path + suffix, aside + suffix) &&
            !QFile::remove(path + suffix))
            return ws::Status(ws::Code::IoError, str(path + suffix) + ": cannot be moved aside");
    }
    return aside;
}

/// Per-connection settings. WAL is what lets a reader and a writer (another window, another process) work at
/// once and keeps a crash from tearing a commit; it can be refused (e.g. on some network file systems), so
/// the returned mode is checked rather than assumed.
void configure(Database& db) {
    db.setBusyTimeout(kBusyTimeoutMs);
    const QString mode = db.queryText("PRAGMA journal_mode = WAL");
    if (mode.compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0)
        throw SqliteError(SQLITE_CANTOPEN,
                          "WAL journal mode refused (journal_mode is \"" + str(mode) + "\")");
    db.exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384");
    if (db.queryInt("PRAGMA foreign_keys") != 1)
        throw SqliteError(SQLITE_MISUSE, "foreign keys could not be enabled");
}

} // namespace

QString messageStatusName(MessageStatus s) {
    switch (s) {
    case MessageStatus::Complete:
        return QStringLiteral("complete");
    case MessageStatus::Streaming:
        return QStringLiteral("streaming");
    case MessageStatus::Stopped:
        return QStringLiteral("stopped");
    case MessageStatus::Error:
        return QStringLiteral("error");
    case MessageStatus::Interrupted:
        return QStringLiteral("interrupted");
    }
    return QStringLiteral("error");
}

std::optional<MessageStatus> parseMessageStatus(const QString& s) {
    for (MessageStatus status : {MessageStatus::Complete, MessageStatus::Streaming, MessageStatus::Stopped,
                                 MessageStatus::Error, MessageStatus::Interrupted})
        if (s == messageStatusName(status))
            return status;
    return std::nullopt;
}

// ---- opening ---------------------------------------------------------------------------------------------

ConversationStore::ConversationStore(std::unique_ptr<Database> db, QString path)
    : m_db(std::move(db)), m_path(std::move(path)) {}

ConversationStore::~ConversationStore() = default;

QString ConversationStore::path() const { return m_path; }

ws::Result<std::unique_ptr<ConversationStore>> ConversationStore::open(const QString& dataDir,
                                                                       OpenNotice* notice) {
    // Two instances starting at once race for the file: one switches it to WAL or creates the schema while the
    // other reads it, and SQLite answers SQLITE_BUSY there without waiting (lock upgrades that could deadlock
    // never wait). The loser simply starts again.
    QElapsedTimer waited;
    waited.start();
    for (int attempt = 0;; ++attempt) {
        bool busy = false;
        auto r = openAttempt(dataDir, notice, &busy);
        if (r.isOk() || !busy || waited.elapsed() > kBusyTimeoutMs)
            return r;
        QThread::msleep(static_cast<unsigned long>(10 + QRandomGenerator::global()->bounded(40)));
    }
}

ws::Result<std::unique_ptr<ConversationStore>> ConversationStore::openAttempt(const QString& dataDir,
                                                                              OpenNotice* notice, bool* busy) {
    OpenNotice local;
    OpenNotice& told = notice ? *notice : local;
    told = OpenNotice{};
    if (dataDir.isEmpty())
        return ws::Status(ws::Code::InvalidArgument, "no data folder given");
    if (!QDir().mkpath(dataDir))
        return ws::Status(ws::Code::IoError, str(dataDir) + ": cannot create the data folder");
    const QString path = QDir(dataDir).absoluteFilePath(QStringLiteral("whalesong.db"));
    StoreBackups backups(QDir(dataDir).absoluteFilePath(QStringLiteral("backups")), kBackupsKept);

    try {
        std::unique_ptr<Database> db;
        int version = 0;
        std::string why;
        switch (probe(path, db, version, why)) {
        case Probe::Usable:
            break;
        case Probe::Refused:
            return ws::Status(ws::Code::Unsupported, str(path) + ": " + why);
        case Probe::Corrupt: {
            db.reset(); // closed before the rename
            auto aside = setAside(path);
            if (!aside)
                return aside.status();
            qWarning("%s: %s; moved to %s, starting a new database", qPrintable(path), why.c_str(),
                     qPrintable(*aside));
            told.setAsidePath = *aside;
            db = std::make_unique<Database>(path);
            version = 0;
            break;
        }
        }

        configure(*db);
        if (version < Migrations::latestVersion()) {
            if (version >= 1) // there is something to lose: keep a copy of the old version first
                told.backupPath = backups.makeBeforeMigration(*db, version, QDateTime::currentDateTime());
            Migrations::apply(*db);
        }
        // fts5vocab lists the trigrams in the index; search uses it for 2-character terms. temp: per
        // connection, never written to the file.
        db->exec("CREATE VIRTUAL TABLE temp.messages_fts_vocab USING fts5vocab(main, messages_fts, 'row')");

        {
            Transaction t(*db);
            db->exec("UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'");
            told.interruptedMessages = db->changes();
            t.commit();
        }

        // A failed daily backup (disk full…) must not keep the user from their conversations: warn only.
        try {
            const QString daily = backups.makeDaily(*db, QDate::currentDate());
            if (!daily.isEmpty() && told.backupPath.isEmpty())
                told.backupPath = daily;
            backups.prune();
        } catch (const SqliteError& e) {
            qWarning("%s: daily backup failed: %s", qPrintable(path), e.what());
        }

        std::unique_ptr<ConversationStore> store(new ConversationStore(std::move(db), path));
        if (auto purged = store->purgeTrash(nowMs()); !purged)
            qWarning("%s: %s", qPrintable(path), purged.status().message().c_str());
        return store;
    } catch (const SqliteError& e) {
        *busy = e.isBusy();
        return ws::Status(codeFor(e), str(path) + ": " + e.what());
    } catch (const std::exception& e) {
        return ws::Status(ws::Code::Internal, str(path) + ": " + e.what());
    }
}

ws::Status ConversationStore::backupTo(const QString& file) const {
    return guarded("backupTo", [&]() -> ws::Status {
        StoreBackups::copy(*m_db, file);
        return ws::Status::ok();
    });
}

// ---- conversations -----------------------------------------------------------------------------------

ws::Result<qint64> ConversationStore::createConversation(const QString& title, const QString& model,
                                                         const QString& systemPrompt,
                                                         const QJsonObject& settings) {
    return guarded("createConversation", [&]() -> ws::Result<qint64> {
        const qint64 now = nowMs();
        Statement st(*m_db,
                     "INSERT INTO conversations (uuid, title, created_at, updated_at, model, system_prompt, "
                     "settings) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)");
        st.bind(1, QUuid::createUuid().toString(QUuid::WithoutBraces))
            .bind(2, title)
            .bind(3, now)
            .bind(4, model)
            .bind(5, systemPrompt)
            .bind(6, settingsText(settings));
        st.run();
        return m_db->lastInsertRowId();
    });
}

std::optional<ConversationRecord> ConversationStore::conversation(qint64 id) const {
    return guardedRead<std::optional<ConversationRecord>>(
        "conversation", [&]() -> std::optional<ConversationRecord> {
            Statement st(*m_db, "SELECT " WS_CONVERSATION_COLUMNS " FROM conversations c WHERE c.id = ?1");
            st.bind(1, id);
            if (!st.step())
                return std::nullopt;
            ConversationRecord c = readConversation(st);
            st.reset();
            return c;
        });
}

std::vector<ConversationRecord> ConversationStore::conversations() const {
    return guardedRead<std::vector<ConversationRecord>>("conversations", [&] {
        Statement st(*m_db,
                     "SELECT " WS_CONVERSATION_COLUMNS " FROM conversations c WHERE c.deleted_at IS NULL "
                     "ORDER BY c.pinned DESC, c.updated_at DESC, c.id DESC");
        return readConversations(st);
    });
}

std::vector<ConversationRecord> ConversationStore::trash() const {
    return guardedRead<std::vector<ConversationRecord>>("trash", [&] {
        Statement st(*m_db,
                     "SELECT " WS_CONVERSATION_COLUMNS " FROM conversations c WHERE c.deleted_at IS NOT NULL "
                     "ORDER BY c.deleted_at DESC, c.id DESC");
        return readConversations(st);
    });
}

namespace {
/// Runs an UPDATE/DELETE of one conversation (?1 = id); NotFound when no row matched.
ws::Status changeConversation(Database& db, qint64 id, Statement& st) {
    st.run();
    if (db.changes() == 0)
        return {ws::Code::NotFound, "conversation " + std::to_string(id) + " does not exist"};
    return ws::Status::ok();
}
} // namespace

ws::Status ConversationStore::rename(qint64 id, const QString& title) {
    return guarded("rename", [&]() -> ws::Status {
        Statement st(
            *m_db, "UPDATE conversations SET title = ?2, updated_at = max(?3, updated_at + 1) WHERE id = ?1");
        st.bind(1, id).bind(2, title).bind(3, nowMs());
        return changeConversation(*m_db, id, st);
    });
}

ws::Status ConversationStore::setPinned(qint64 id, bool pinned) {
    return guarded("setPinned", [&]() -> ws::Status {
        Statement st(*m_db, "UPDATE conversations SET pinned = ?2 WHERE id = ?1");
        st.bind(1, id).bind(2, pinned ? 1 : 0);
        return changeConversation(*m_db, id, st);
    });
}

ws::Status ConversationStore::setSettings(qint64 id, const QString& model, const QString& systemPrompt,
                                          const QJsonObject& settings) {
    return guarded("setSettings", [&]() -> ws::Status {
        Statement st(*m_db,
                     "UPDATE conversations SET model = ?2, system_prompt = ?3, settings = ?4 WHERE id = ?1");
        st.bind(1, id).bind(2, model).bind(3, systemPrompt).bind(4, settingsText(settings));
        return changeConversation(*m_db, id, st);
    });
}

ws::Status ConversationStore::moveToTrash(qint64 id) {
    return guarded("moveToTrash", [&]() -> ws::Status {
        // Already in the trash: keep the first date (the 30 days count from the first delete).
        Statement st(*m_db, "UPDATE conversations SET deleted_at = coalesce(deleted_at, ?2) WHERE id = ?1");
        st.bind(1, id).bind(2, nowMs());
        return changeConversation(*m_db, id, st);
    });
}

ws::Status ConversationStore::restore(qint64 id) {
    return guarded("restore", [&]() -> ws::Status {
        Statement st(*m_db, "UPDATE conversations SET deleted_at = NULL WHERE id = ?1");
        st.bind(1, id);
        return changeConversation(*m_db, id, st);
    });
}

ws::Status ConversationStore::deleteForever(qint64 id) {
    return guarded("deleteForever", [&]() -> ws::Status {
        // The messages go with it (ON DELETE CASCADE), and the FTS rows with them (trigger).
        Transaction t(*m_db);
        Statement st(*m_db, "DELETE FROM conversations WHERE id = ?1");
        st.bind(1, id);
        WS_TRY(changeConversation(*m_db, id, st));
        t.commit();
        return ws::Status::ok();
    });
}

ws::Result<int> ConversationStore::purgeTrash(qint64 nowMsArg) {
    return guarded("purgeTrash", [&]() -> ws::Result<int> {
        Transaction t(*m_db);
        Statement st(*m_db, "DELETE FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at < ?1");
        st.bind(1, nowMsArg - kTrashDays * kDayMs).run();
        const int purged = m_db->changes();
        t.commit();
        return purged;
    });
}

// ---- messages ----------------------------------------------------------------------------------------

ws::Result<qint64> ConversationStore::addMessage(qint64 conversationId, std::optional<qint64> parentId,
                                                 const QString& role, const QString& content,
                                                 const QString& reasoning) {
    return guarded("addMessage", [&]() -> ws::Result<qint64> {
        if (!isRole(role))
            return ws::Status(ws::Code::InvalidArgument,
                              "role \"" + str(role) + "\": expected system, user, assistant or tool");
        Transaction t(*m_db);
        WS_TRY(checkParent(*m_db, conversationId, parentId));
        MessageRecord m;
        m.role = role;
        m.content = content;
        m.reasoning = reasoning;
        m.status = MessageStatus::Complete;
        m.createdAt = nowMs();
        const qint64 id = insertMessage(*m_db, conversationId, parentId, m);
        Statement leaf(*m_db, "UPDATE conversations SET current_leaf_id = ?2 WHERE id = ?1");
        leaf.bind(1, conversationId).bind(2, id).run();
        touchConversation(*m_db, conversationId, m.createdAt);
        t.commit();
        return id;
    });
}

ws::Result<qint64> ConversationStore::beginAnswer(qint64 conversationId, qint64 parentId,
                                                  const QString& model, const QString& backend) {
    return guarded("beginAnswer", [&]() -> ws::Result<qint64> {
        Transaction t(*m_db);
        WS_TRY(checkParent(*m_db, conversationId, parentId));
        MessageRecord m;
        m.role = QStringLiteral("assistant");
        m.status = MessageStatus::Streaming;
        m.createdAt = nowMs();
        m.model = model;
        m.backend = backend;
        const qint64 id = insertMessage(*m_db, conversationId, parentId, m);
        Statement leaf(*m_db, "UPDATE conversations SET current_leaf_id = ?2 WHERE id = ?1");
        leaf.bind(1, conversationId).bind(2, id).run();
        touchConversation(*m_db, conversationId, m.createdAt);
        t.commit();
        return id;
    });
}

ws::Status ConversationStore::checkpoint(qint64 messageId, const QString& content, const QString& reasoning,
                                         const QJsonArray& toolCalls) {
    return guarded("checkpoint", [&]() -> ws::Status {
        // 'interrupted' is accepted too: another instance opening the same file meanwhile marks every
        // streaming answer interrupted, this one included; the writer is still alive and puts it back to
        // streaming.
        Transaction t(*m_db);
        Statement st(*m_db, "UPDATE messages SET content = ?2, reasoning = ?3, tool_calls = ?4, status = 'streaming' "
                            "WHERE id = ?1 AND status IN ('streaming', 'interrupted')");
        st.bind(1, messageId).bind(2, content).bind(3, reasoning).bind(4, toolCallsText(toolCalls)).run();
        if (m_db->changes() == 0)
            return notStreaming(*m_db, messageId);
        t.commit();
        return ws::Status::ok();
    });
}

ws::Status ConversationStore::finishAnswer(qint64 messageId, const QString& content, const QString& reasoning,
                                           MessageStatus status, const MessageStats& stats,
                                           const QString& error, const QJsonArray& toolCalls) {
    return guarded("finishAnswer", [&]() -> ws::Status {
        if (status != MessageStatus::Complete && status != MessageStatus::Stopped &&
            status != MessageStatus::Error)
            return {ws::Code::InvalidArgument, "finishAnswer: status " + str(messageStatusName(status)) +
                                                   ", expected complete, stopped or error"};
        Transaction t(*m_db);
        Statement st(*m_db, "UPDATE messages SET content = ?2, reasoning = ?3, status = ?4, error = ?5, "
                            "prompt_tokens = ?6, completion_tokens = ?7, ttft_ms = ?8, prefill_tps = ?9, "
                            "decode_tps = ?10, reasoning_ms = ?11, tool_calls = ?12 "
                            "WHERE id = ?1 AND status IN ('streaming', 'interrupted')");
        st.bind(1, messageId)
            .bind(2, content)
            .bind(3, reasoning)
            .bind(4, messageStatusName(status))
            .bind(5, error)
            .bind(6, stats.promptTokens)
            .bind(7, stats.completionTokens)
            .bind(8, stats.timeToFirstTokenMs)
            .bind(9, stats.prefillTokensPerSecond)
            .bind(10, stats.decodeTokensPerSecond)
            .bind(11, stats.reasoningMs)
            .bind(12, toolCallsText(toolCalls))
            .run();
        if (m_db->changes() == 0)
            return notStreaming(*m_db, messageId);
        Statement owner(*m_db, "SELECT conversation_id FROM messages WHERE id = ?1");
        owner.bind(1, messageId);
        if (owner.step()) {
            const qint64 conversationId = owner.int64(0);
            owner.reset();
            touchConversation(*m_db, conversationId, nowMs());
        }
        t.commit();
        return ws::Status::ok();
    });
}

std::optional<MessageRecord> ConversationStore::message(qint64 id) const {
    return guardedRead<std::optional<MessageRecord>>("message", [&]() -> std::optional<MessageRecord> {
        Statement st(*m_db, "SELECT " WS_MESSAGE_COLUMNS " FROM messages m WHERE m.id = ?1");
        st.bind(1, id);
        if (!st.step())
            return std::nullopt;
        MessageRecord m = readMessage(st);
        st.reset();
        return m;
    });
}

std::vector<MessageRecord> ConversationStore::currentBranch(qint64 conversationId) const {
    return guardedRead<std::vector<MessageRecord>>("currentBranch", [&] {
        // Up the parent links from the current leaf, then reversed: root first.
        Statement st(*m_db, "WITH RECURSIVE branch (id, depth) AS ("
                            "  SELECT current_leaf_id, 0 FROM conversations"
                            "   WHERE id = ?1 AND current_leaf_id IS NOT NULL"
                            "  UNION ALL"
                            "  SELECT m.parent_id, b.depth + 1 FROM branch b JOIN messages m ON m.id = b.id"
                            "   WHERE m.parent_id IS NOT NULL)"
                            " SELECT " WS_MESSAGE_COLUMNS " FROM branch b JOIN messages m ON m.id = b.id"
                            " ORDER BY b.depth DESC");
        st.bind(1, conversationId);
        return readMessages(st);
    });
}

std::vector<MessageRecord> ConversationStore::messages(qint64 conversationId) const {
    return guardedRead<std::vector<MessageRecord>>("messages", [&] {
        Statement st(*m_db, "SELECT " WS_MESSAGE_COLUMNS
                            " FROM messages m WHERE m.conversation_id = ?1 ORDER BY m.id");
        st.bind(1, conversationId);
        return readMessages(st);
    });
}

std::vector<MessageRecord> ConversationStore::siblings(qint64 messageId) const {
    return guardedRead<std::vector<MessageRecord>>("siblings", [&] {
        // IS, not =: roots (parent_id NULL) are siblings of each other.
        Statement st(*m_db, "SELECT " WS_MESSAGE_COLUMNS " FROM messages m, messages self"
                            " WHERE self.id = ?1 AND m.conversation_id = self.conversation_id"
                            "   AND m.parent_id IS self.parent_id ORDER BY m.id");
        st.bind(1, messageId);
        return readMessages(st);
    });
}

ws::Status ConversationStore::selectBranch(qint64 conversationId, qint64 messageId) {
    return guarded("selectBranch", [&]() -> ws::Status {
        Transaction t(*m_db);
        WS_TRY(checkParent(*m_db, conversationId, messageId));
        const qint64 leaf = newestLeafFrom(*m_db, conversationId, messageId);
        Statement st(*m_db, "UPDATE conversations SET current_leaf_id = ?2 WHERE id = ?1");
        st.bind(1, conversationId).bind(2, leaf).run();
        t.commit();
        return ws::Status::ok();
    });
}

// ---- search ------------------------------------------------------------------------------------------

std::vector<SearchHit> ConversationStore::search(const QString& query, int limit) const {
    return guardedRead<std::vector<SearchHit>>("search", [&]() -> std::vector<SearchHit> {
        const SearchQuery q(query);
        if (q.isEmpty() || limit <= 0)
            return {};

        // One FTS5 expression for everything the trigram index can answer (terms are ANDed).
        QStringList fts;
        for (const QString& term : q.longTerms())
            fts << SearchQuery::ftsPhrase(term);
        QStringList likes = q.singleTerms();
        qint64 pairRows = -1; // at most this many messages contain every 2-character term (-1: no such term)
        if (!q.pairTerms().isEmpty()) {
            // Every occurrence of a 2-character term starts a trigram (the index has a newline after each
            // text), so "term followed by any character" in the vocabulary finds exactly the messages.
            Statement vocab(*m_db,
                            "SELECT term, doc FROM temp.messages_fts_vocab WHERE term >= ?1 AND term <= ?2"
                            " LIMIT ?3");
            for (const QString& pair : q.pairTerms()) {
                vocab.bind(1, pair)
                    .bind(2, pair + QString::fromUcs4(U"\U0010FFFF"))
                    .bind(3, kMaxTrigramAlternatives + 1);
                QStringList alternatives;
                qint64 rows = 0;
                while (vocab.step()) {
                    alternatives << SearchQuery::ftsPhrase(vocab.text(0));
                    rows += vocab.int64(1);
                }
                if (alternatives.isEmpty())
                    return {}; // no message contains it
                if (alternatives.size() > kMaxTrigramAlternatives) {
                    likes << pair;
                } else {
                    fts << QLatin1Char('(') + alternatives.join(QLatin1String(" OR ")) + QLatin1Char(')');
                    pairRows = pairRows < 0 ? rows : std::min(pairRows, rows);
                }
            }
        }
        // bm25 scores each trigram alternative as a phrase of its own: slow over many rows, and meaningless
        // for a frequent 2-character word. Such searches list the newest messages first.
        const bool ranked = !fts.isEmpty() && (pairRows < 0 || pairRows <= kMaxRankedPairRows);
        // The trash is usually empty: then the FTS index alone answers, without a join per match.
        const bool trashEmpty = m_db->queryInt("SELECT NOT EXISTS (SELECT 1 FROM conversations "
                                               "WHERE deleted_at IS NOT NULL)") != 0;

        // The SQL is assembled from fixed pieces only; every term is a bound parameter.
        std::string sql;
        if (!fts.isEmpty() && trashEmpty && likes.isEmpty())
            sql = "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1";
        else if (!fts.isEmpty())
            sql = "SELECT m.id FROM messages_fts CROSS JOIN messages m ON m.id = messages_fts.rowid"
                  " CROSS JOIN conversations c ON c.id = m.conversation_id"
                  " WHERE messages_fts MATCH ?1 AND c.deleted_at IS NULL";
        else // only 1-character terms: a scan, newest first, that stops after `limit` hits
            sql = "SELECT m.id FROM messages m CROSS JOIN conversations c ON c.id = m.conversation_id"
                  " WHERE c.deleted_at IS NULL";
        for (int i = 0; i < likes.size(); ++i) {
            const std::string p = "?" + std::to_string(i + 3);
            sql += " AND (m.content LIKE " + p + " ESCAPE '\\' OR m.reasoning LIKE " + p + " ESCAPE '\\')";
        }
        if (ranked)
            sql += " ORDER BY bm25(messages_fts, 1.0, 0.5)";
        else if (!fts.isEmpty())
            sql += " ORDER BY messages_fts.rowid DESC";
        else
            sql += " ORDER BY m.id DESC";
        sql += " LIMIT ?2";

        Statement st(*m_db, sql);
        if (!fts.isEmpty())
            st.bind(1, fts.join(QLatin1String(" AND ")));
        st.bind(2, limit);
        for (int i = 0; i < likes.size(); ++i)
            st.bind(i + 3, SearchQuery::likePattern(likes.at(i)));
        std::vector<qint64> ids;
        while (st.step())
            ids.push_back(st.int64(0));

        std::vector<SearchHit> hits;
        Statement row(*m_db, "SELECT m.conversation_id, c.title, m.content, m.reasoning FROM messages m"
                             " JOIN conversations c ON c.id = m.conversation_id WHERE m.id = ?1");
        for (const qint64 id : ids) {
            row.bind(1, id);
            if (!row.step())
                continue;
            hits.push_back({row.int64(0), row.text(1), id, q.snippet(row.text(2), row.text(3))});
            row.reset();
        }
        return hits;
    });
}

// ---- building blocks of import -------------------------------------------------------------------------

ws::Status ConversationStore::inTransaction(const std::function<ws::Status()>& body) {
    return guarded("inTransaction", [&]() -> ws::Status {
        Transaction t(*m_db);
        WS_TRY(body());
        t.commit();
        return ws::Status::ok();
    });
}

ws::Result<qint64> ConversationStore::insertConversation(const ConversationRecord& c,
                                                         const std::vector<MessageRecord>& messages) {
    return guarded("insertConversation", [&]() -> ws::Result<qint64> {
        Transaction t(*m_db);
        Statement conv(*m_db,
                       "INSERT INTO conversations (uuid, title, created_at, updated_at, pinned, deleted_at, "
                       "model, system_prompt, settings) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
        conv.bind(1, c.uuid.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : c.uuid)
            .bind(2, c.title)
            .bind(3, c.createdAt)
            .bind(4, c.updatedAt)
            .bind(5, c.pinned ? 1 : 0)
            .bind(6, c.deletedAt)
            .bind(7, c.model)
            .bind(8, c.systemPrompt)
            .bind(9, settingsText(c.settings))
            .run();
        const qint64 conversationId = m_db->lastInsertRowId();

        std::unordered_map<qint64, qint64> newIds; // id in `messages` → id in the database
        std::optional<qint64> firstRoot;
        for (size_t i = 0; i < messages.size(); ++i) {
            const MessageRecord& m = messages[i];
            const std::string where = "messages[" + std::to_string(i) + "] (id " + std::to_string(m.id) + ")";
            if (!isRole(m.role))
                return ws::Status(ws::Code::InvalidArgument,
                                  where + ": role \"" + str(m.role) +
                                      "\", expected system, user, assistant or tool");
            std::optional<qint64> parent;
            if (m.parentId) {
                const auto found = newIds.find(*m.parentId);
                if (found == newIds.end())
                    return ws::Status(ws::Code::InvalidArgument, where + ": parent " +
                                                                     std::to_string(*m.parentId) +
                                                                     " is not listed before it");
                parent = found->second;
            }
            const qint64 id = insertMessage(*m_db, conversationId, parent, m);
            if (!parent && !firstRoot)
                firstRoot = id;
            if (!newIds.emplace(m.id, id).second)
                return ws::Status(ws::Code::InvalidArgument, where + ": the id is used twice");
        }

        std::optional<qint64> leaf;
        if (c.currentLeafId) {
            const auto found = newIds.find(*c.currentLeafId);
            if (found == newIds.end())
                return ws::Status(ws::Code::InvalidArgument,
                                  "current leaf " + std::to_string(*c.currentLeafId) +
                                      " is not one of the conversation's messages");
            leaf = found->second;
        } else if (firstRoot) {
            leaf = newestLeafFrom(*m_db, conversationId, *firstRoot);
        }
        Statement setLeaf(*m_db, "UPDATE conversations SET current_leaf_id = ?2 WHERE id = ?1");
        setLeaf.bind(1, conversationId).bind(2, leaf).run();
        t.commit();
        return conversationId;
    });
}

bool ConversationStore::hasUuid(const QString& uuid) const {
    return guardedRead<bool>("hasUuid", [&] {
        Statement st(*m_db, "SELECT 1 FROM conversations WHERE uuid = ?1");
        st.bind(1, uuid);
        const bool found = st.step();
        st.reset();
        return found;
    });
}
