// StreamCheckpointer: the token/time batching of durable streaming.
#include "stream_checkpointer.h"

#include "async_store.h"

#include <mutex>
#include <optional>
#include <utility>

struct StreamCheckpointer::Queued {
    struct Text {
        QString content, reasoning;
        QJsonArray toolCalls;
    };
    std::mutex mutex;
    std::optional<Text> text;
};

StreamCheckpointer::StreamCheckpointer(ConversationStore& store, qint64 messageId, int maxIntervalMs,
                                       int maxTokens, Clock clock)
    : m_store(&store), m_messageId(messageId), m_maxIntervalMs(maxIntervalMs), m_maxTokens(maxTokens),
      m_clock(std::move(clock)) {
    m_timer.start();
    m_lastCheckpointMs = now();
}

StreamCheckpointer::StreamCheckpointer(AsyncStore& store, qint64 messageId, int maxIntervalMs, int maxTokens)
    : m_async(&store), m_queued(std::make_shared<Queued>()), m_messageId(messageId), m_maxIntervalMs(maxIntervalMs),
      m_maxTokens(maxTokens) {
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
    if (m_store) {
        WS_TRY(m_store->checkpoint(m_messageId, m_content, m_reasoning, m_toolCalls));
        if (m_committed)
            m_committed(m_content.size());
    } else {
        bool post = false;
        {
            std::lock_guard lock(m_queued->mutex);
            post = !m_queued->text.has_value(); // else the queued write takes this newer text when it runs
            m_queued->text = Queued::Text{m_content, m_reasoning, m_toolCalls};
        }
        if (post)
            m_async->run([queued = m_queued, id = m_messageId, committed = m_committed](ConversationStore& s) {
                std::optional<Queued::Text> text;
                {
                    std::lock_guard lock(queued->mutex);
                    text.swap(queued->text);
                }
                if (!text)
                    return;
                // A failed checkpoint is not retried here: the next one writes the whole text again.
                if (s.checkpoint(id, text->content, text->reasoning, text->toolCalls).isOk() && committed)
                    committed(text->content.size());
            });
    }
    m_pending = 0;
    ++m_checkpoints;
    m_lastCheckpointMs = now();
    return ws::Status::ok();
}

ws::Status StreamCheckpointer::finish(MessageStatus status, const MessageStats& stats, const QString& error) {
    if (m_store) {
        WS_TRY(m_store->finishAnswer(m_messageId, m_content, m_reasoning, status, stats, error, m_toolCalls));
    } else {
        // After the checkpoints posted before it (one queue); a checkpoint still waiting finds nothing to write.
        {
            std::lock_guard lock(m_queued->mutex);
            m_queued->text.reset();
        }
        WS_TRY(m_async->call([&](ConversationStore& s) {
            return s.finishAnswer(m_messageId, m_content, m_reasoning, status, stats, error, m_toolCalls);
        }));
    }
    m_pending = 0;
    return ws::Status::ok();
}
