// StreamCheckpointer: the token/time batching of durable streaming.
#include "stream_checkpointer.h"

#include <utility>

StreamCheckpointer::StreamCheckpointer(ConversationStore& store, qint64 messageId, int maxIntervalMs,
                                       int maxTokens, Clock clock)
    : m_store(store), m_messageId(messageId), m_maxIntervalMs(maxIntervalMs), m_maxTokens(maxTokens),
      m_clock(std::move(clock)) {
    m_timer.start();
    m_lastCheckpointMs = now();
}

ws::Status StreamCheckpointer::append(const QString& textDelta, const QString& reasoningDelta) {
    m_content += textDelta;
    m_reasoning += reasoningDelta;
    ++m_pending;
    if (m_pending >= m_maxTokens || now() - m_lastCheckpointMs >= m_maxIntervalMs)
        return flush();
    return ws::Status::ok();
}

ws::Status StreamCheckpointer::setToolCalls(const QJsonArray& calls) {
    if (calls == m_toolCalls)
        return ws::Status::ok();
    m_toolCalls = calls;
    ++m_pending;
    if (m_pending >= m_maxTokens || now() - m_lastCheckpointMs >= m_maxIntervalMs)
        return flush();
    return ws::Status::ok();
}

ws::Status StreamCheckpointer::flush() {
    if (m_pending == 0)
        return ws::Status::ok();
    WS_TRY(m_store.checkpoint(m_messageId, m_content, m_reasoning, m_toolCalls));
    m_pending = 0;
    ++m_checkpoints;
    m_lastCheckpointMs = now();
    return ws::Status::ok();
}

ws::Status StreamCheckpointer::finish(MessageStatus status, const MessageStats& stats, const QString& error) {
    WS_TRY(m_store.finishAnswer(m_messageId, m_content, m_reasoning, status, stats, error, m_toolCalls));
    m_pending = 0;
    return ws::Status::ok();
}
