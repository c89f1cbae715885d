// ConversationStore: every conversation and message in SQLite — a message tree with branches, durable streaming,
// Chinese/English search, a 30-day trash, JSON/Markdown/JSONL export and import. The only user of sqlite3.h
// (through app/sqlite/).
#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "whalesong/status.h"

class Database;

/// complete: finished normally; streaming: being written (checkpointed); stopped: the user stopped it;
/// error: generation failed (see error); interrupted: found still 'streaming' at start-up (crash or kill).
enum class MessageStatus { Complete, Streaming, Stopped, Error, Interrupted };
QString messageStatusName(MessageStatus s);
std::optional<MessageStatus> parseMessageStatus(const QString& s);

/// Generation statistics kept with an answer (absent when unknown).
struct MessageStats {
    std::optional<int> promptTokens;
    std::optional<int> completionTokens;
    std::optional<double> timeToFirstTokenMs;
    std::optional<double> prefillTokensPerSecond;
    std::optional<double> decodeTokensPerSecond;
    std::optional<double> reasoningMs; ///< how long the model thought (R1-style <think>), when it did
};

struct MessageRecord {
    qint64 id = 0;
    qint64 conversationId = 0;
    std::optional<qint64> parentId; ///< none for the first message of a conversation
    QString role;                   ///< "system" | "user" | "assistant" | "tool"
    QString content;
    QString reasoning; ///< the model's thinking (reasoning_content), may be empty
    MessageStatus status = MessageStatus::Complete;
    QString error; ///< for status Error
    qint64 createdAt = 0; ///< ms since the epoch (UTC)
    MessageStats stats;
    QString model;
    QString backend;
    /// An answer's tool calls in OpenAI's form: [{"id", "type": "function", "function": {"name", "arguments"}}],
    /// arguments as the model wrote them (a string); empty for none.
    QJsonArray toolCalls;
};

struct ConversationRecord {
    qint64 id = 0;
    QString uuid; ///< stable across export and import
    QString title;
    qint64 createdAt = 0; ///< ms since the epoch
    qint64 updatedAt = 0;
    bool pinned = false;
    std::optional<qint64> deletedAt; ///< in the trash since (ms); purged after 30 days
    QString model;
    QString systemPrompt;
    QJsonObject settings; ///< generation settings used (temperature, top_p, max_tokens, …)
    std::optional<qint64> currentLeafId; ///< the branch shown: the path from the root to this message
};

struct SearchHit {
    qint64 conversationId = 0;
    QString title;
    qint64 messageId = 0;
    QString snippet; ///< a piece of the message around the match, the match in [brackets]
};

/// What open() had to do besides opening (shown to the user).
struct OpenNotice {
    QString setAsidePath;  ///< a corrupt or non-SQLite file was moved here and a fresh database started
    int interruptedMessages = 0; ///< answers found 'streaming' (crash) and marked interrupted
    QString backupPath;    ///< backup made (before a migration, or the daily one)
};

/// Not thread-safe: one instance per thread (several instances, also in several processes, may share a file).
class ConversationStore {
public:
    static constexpr int kSchemaVersion = 3;
    static constexpr qint64 kTrashDays = 30;
    static constexpr int kBackupsKept = 7;

    /// Opens (or creates) `dataDir`/whalesong.db. A corrupt or non-SQLite file is kept aside under a timestamped
    /// name and a fresh database started (told in `notice`); a database from a newer version is refused, untouched.
    /// Runs migrations (after a backup), marks left-over 'streaming' messages interrupted, makes the daily backup
    /// (keeps 7) and purges trash older than 30 days.
    static ws::Result<std::unique_ptr<ConversationStore>> open(const QString& dataDir, OpenNotice* notice = nullptr);
    ~ConversationStore();
    QString path() const;

    // ---- conversations -----------------------------------------------------------------------------------
    ws::Result<qint64> createConversation(const QString& title, const QString& model = {},
                                          const QString& systemPrompt = {}, const QJsonObject& settings = {});
    std::optional<ConversationRecord> conversation(qint64 id) const;
    /// Not in the trash, pinned first, then most recently updated.
    std::vector<ConversationRecord> conversations() const;
    std::vector<ConversationRecord> trash() const;
    ws::Status rename(qint64 id, const QString& title);
    ws::Status setPinned(qint64 id, bool pinned);
    ws::Status setSettings(qint64 id, const QString& model, const QString& systemPrompt, const QJsonObject& settings);
    ws::Status moveToTrash(qint64 id);  ///< "delete": undoable
    ws::Status restore(qint64 id);      ///< the undo
    ws::Status deleteForever(qint64 id);
    /// Deletes conversations in the trash since before `nowMs - 30 days`; returns how many.
    ws::Result<int> purgeTrash(qint64 nowMs);

    // ---- messages ----------------------------------------------------------------------------------------
    /// Adds a complete message as a child of `parentId` (none: a root) and makes it the conversation's current
    /// leaf. Committed when this returns.
    ws::Result<qint64> addMessage(qint64 conversationId, std::optional<qint64> parentId, const QString& role,
                                  const QString& content, const QString& reasoning = {});
    /// Starts an assistant answer (status streaming, empty content) under `parentId`; current leaf.
    ws::Result<qint64> beginAnswer(qint64 conversationId, qint64 parentId, const QString& model,
                                   const QString& backend);
    /// Checkpoints a streaming answer: the whole text so far (one short transaction).
    ws::Status checkpoint(qint64 messageId, const QString& content, const QString& reasoning,
                          const QJsonArray& toolCalls = {});
    /// Ends an answer: final text, status (Complete, Stopped or Error), error text, statistics.
    ws::Status finishAnswer(qint64 messageId, const QString& content, const QString& reasoning, MessageStatus status,
                            const MessageStats& stats, const QString& error = {}, const QJsonArray& toolCalls = {});
    std::optional<MessageRecord> message(qint64 id) const;
    /// The current branch: root → current leaf, in order.
    std::vector<MessageRecord> currentBranch(qint64 conversationId) const;
    /// Every message of the conversation (the whole tree), by id.
    std::vector<MessageRecord> messages(qint64 conversationId) const;
    /// Children of the same parent (including `messageId`), oldest first: the ‹ 1/2 › navigation.
    std::vector<MessageRecord> siblings(qint64 messageId) const;
    /// Shows another branch: the leaf reached from `messageId` by following the newest child each time.
    ws::Status selectBranch(qint64 conversationId, qint64 messageId);

    // ---- search ------------------------------------------------------------------------------------------
    /// Every term of `query` (whitespace-separated; Chinese, English or mixed; any length ≥ 1 character) must
    /// occur in the message. Ranked best first; conversations in the trash excluded.
    std::vector<SearchHit> search(const QString& query, int limit = 50) const;

    // ---- export and import -------------------------------------------------------------------------------
    /// Lossless JSON ({"format": "whalesong", "schema_version", "conversations": [...]}) of the given
    /// conversations, or all (trash excluded) when `ids` is empty.
    QJsonObject exportJson(const std::vector<qint64>& ids = {}) const;
    /// Markdown of the current branch; thinking in a <details> block.
    QString exportMarkdown(qint64 conversationId) const;
    /// The current branch as OpenAI chat messages, one JSON object per line.
    QByteArray exportOpenAiJsonl(qint64 conversationId) const;
    /// Imports our JSON or ChatGPT's conversations.json, all or nothing (one transaction). Conversations whose
    /// uuid already exists are skipped. Errors name where the input is wrong ("conversations[3].messages[2].role").
    ws::Result<int> importJson(const QByteArray& json);

    /// Copies the database to `file` with sqlite3's backup API.
    ws::Status backupTo(const QString& file) const;

    // ---- building blocks of import (conversation_formats.cpp) --------------------------------------------
    /// Runs `body` in one write transaction: all of it is committed, or — when body fails — none of it.
    ws::Status inTransaction(const std::function<ws::Status()>& body);
    /// Inserts a whole conversation with its message tree, keeping uuid, times, pinned/trash state, statuses,
    /// statistics and models. Message ids are remapped: `messages` must list parents before children, parentId
    /// and c.currentLeafId refer to ids inside `messages`. Returns the new conversation id.
    ws::Result<qint64> insertConversation(const ConversationRecord& c, const std::vector<MessageRecord>& messages);
    bool hasUuid(const QString& uuid) const;

private:
    explicit ConversationStore(std::unique_ptr<Database> db, QString path);
    /// One try of open(); `busy` tells whether it failed only because another instance held the lock.
    static ws::Result<std::unique_ptr<ConversationStore>> openAttempt(const QString& dataDir, OpenNotice* notice,
                                                                      bool* busy);
    std::unique_ptr<Database> m_db;
    QString m_path;
};
