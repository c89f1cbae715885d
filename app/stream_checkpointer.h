// StreamCheckpointer: batches a streaming answer's deltas into ConversationStore::checkpoint calls.
#pragma once

#include "conversation_store.h"

#include <QElapsedTimer>
#include <QString>
#include <functional>
#include <memory>

class AsyncStore;

/// Keeps the answer's whole text and checkpoints it when `maxTokens` deltas are pending or `maxIntervalMs`
/// have passed since the last checkpoint — so a crash loses at most about that much, without a write per
/// token. Deltas are only looked at when they arrive: a caller whose stream can stall should call flush()
/// from a timer. Not thread-safe; the store must outlive it.
///
/// Two ways to the disk. Given a ConversationStore, it writes on the caller's thread. Given the app's AsyncStore
/// — the one connection of the process — its checkpoints are posted to the store's thread without waiting (a
/// checkpoint still queued there is replaced by the newer one: the writes coalesce when the disk is slow), and
/// finish() waits for its write, which runs after them.
class StreamCheckpointer {
  public:
    using Clock = std::function<qint64()>; ///< monotonic milliseconds (a fake one in tests)
    /// Told the length of the content each checkpoint committed, on the thread that wrote it.
    using Committed = std::function<void(qsizetype contentLength)>;

    StreamCheckpointer(ConversationStore& store, qint64 messageId, int maxIntervalMs = 250,
                       int maxTokens = 64, Clock clock = {});
    StreamCheckpointer(AsyncStore& store, qint64 messageId, int maxIntervalMs = 250, int maxTokens = 64);
    StreamCheckpointer(const StreamCheckpointer&) = delete;
    StreamCheckpointer& operator=(const StreamCheckpointer&) = delete;

    /// Adds one delta (about a token). A failed checkpoint is returned, and the text kept for the next one.
    ws::Status append(const QString& textDelta, const QString& reasoningDelta = {});
    /// The answer's tool calls as they stand now (the whole list); checkpointed like a delta.
    ws::Status setToolCalls(const QJsonArray& calls);
    /// Checkpoints now if anything is pending (posted, with an AsyncStore).
    ws::Status flush();
    /// Writes the final text with `status` (Complete, Stopped or Error) and the statistics; returns once it is
    /// committed or failed.
    ws::Status finish(MessageStatus status, const MessageStats& stats = {}, const QString& error = {});
    void onCommitted(Committed committed) { m_committed = std::move(committed); }

    const QString& content() const { return m_content; }
    const QString& reasoning() const { return m_reasoning; }
    const QJsonArray& toolCalls() const { return m_toolCalls; }
    int checkpoints() const { return m_checkpoints; } ///< checkpoints so far (written, or posted)
    int pendingTokens() const { return m_pending; }   ///< deltas not yet checkpointed

  private:
    struct Queued; ///< the newest checkpoint not yet taken by the store's thread
    qint64 now() const { return m_clock ? m_clock() : m_timer.elapsed(); }

    ConversationStore* m_store = nullptr;
    AsyncStore* m_async = nullptr;
    std::shared_ptr<Queued> m_queued;
    qint64 m_messageId;
    int m_maxIntervalMs;
    int m_maxTokens;
    Clock m_clock;
    Committed m_committed;
    QElapsedTimer m_timer;
    qint64 m_lastCheckpointMs = 0;
    int m_pending = 0;
    int m_checkpoints = 0;
    QString m_content;
    QString m_reasoning;
    QJsonArray m_toolCalls;
};
