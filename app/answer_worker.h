// AnswerWorker: produces the answers, on a thread of its own — from the local engine, or from an OpenAI-compatible
// endpoint when the job names one (RemoteChatClient). It owns the local session (KV cache, reused across the turns of a
// conversation); a streaming answer's checkpoints go to the store's own thread (AsyncStore, the one connection of
// the process), posted without waiting, and its final write waits there until it is committed.
// The GUI talks to it only through queued calls and signals; stop is a std::stop_source the caller keeps, which works at once.
#pragma once

#include "conversation_store.h"
#include "settings.h"

#include <QJsonArray>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <vector>

#include "whalesong/model.h"
#include "whalesong/tokenizer.h"

/// One answer to produce: the messages up to the question and where to write the answer.
struct GenerationJob {
    qint64 conversationId = 0;
    qint64 answerId = 0; ///< a 'streaming' assistant message already created in the store
    std::vector<ws::ChatMessage> messages; ///< system prompt first (if any), ending with the question
    GenerationSettings settings;           ///< the effective settings (global + the conversation's overrides)
    quint64 seed = 0;                      ///< used when settings.seed is not set
    std::stop_source stop;                 ///< the caller keeps a copy: request_stop() ends it (any thread)
    std::optional<RemoteEndpoint> endpoint; ///< set: the answer comes from this endpoint, not the local model
};

/// How an answer ended.
struct GenerationOutcome {
    qint64 conversationId = 0;
    qint64 answerId = 0;
    MessageStatus status = MessageStatus::Complete;
    QString error;
    QString content;
    QString reasoning;
    QJsonArray toolCalls; ///< see MessageRecord::toolCalls
    MessageStats stats;
    QString finishReason; ///< "stop" | "length" | "cancelled" | "error"
    int contextUsed = 0;  ///< tokens in the session after the answer
    int contextLimit = 0;
};

class AsyncStore;
class RemoteChatClient;
struct RemoteResult;
class StreamCheckpointer;
class QTimer;

class AnswerWorker : public QObject {
    Q_OBJECT
  public:
    /// `store`: where answers are written; it must outlive the worker's thread.
    explicit AnswerWorker(AsyncStore& store);
    ~AnswerWorker() override;

    // ---- called on the worker thread (queue them with QMetaObject::invokeMethod) --------------------------
    /// Uses `model` from now on with a context of `contextLength` tokens (the old session is dropped).
    void setModel(std::shared_ptr<const ws::Model> model, int contextLength);
    /// Produces the answer, streaming it (textArrived), checkpointing it, and finishing it in the store. With
    /// an endpoint the answer streams in over the network and generationFinished() comes later; meanwhile the
    /// worker's thread stays free.
    void generate(const GenerationJob& job);
    /// Ends a remote answer under way (saved as stopped) and frees the network objects. Connect it directly to
    /// the thread's QThread::finished, so it runs on this thread after its event loop ended.
    void shutdown();

  signals:
    void generationStarted(qint64 answerId, int promptTokens);
    /// Only the new text of the answer and of its thinking.
    void textArrived(qint64 answerId, const QString& contentDelta, const QString& reasoningDelta);
    /// The answer's tool calls changed: the whole list as it stands (a call's arguments grow as they stream).
    void toolCallsChanged(qint64 answerId, const QJsonArray& toolCalls);
    void generationFinished(const GenerationOutcome& outcome);

  private:
    GenerationOutcome run(const GenerationJob& job);
    void startRemote(const GenerationJob& job);
    void finishRemote(const RemoteResult& result);
    GenerationOutcome failed(const GenerationJob& job, StreamCheckpointer& checkpointer, const QString& message,
                             const MessageStats& stats = {});

    /// The answer being streamed from an endpoint.
    struct RemoteRun;
    std::unique_ptr<RemoteRun> m_remoteRun;
    RemoteChatClient* m_remote = nullptr; ///< created on the worker thread at the first remote answer
    QTimer* m_flushTimer = nullptr;       ///< checkpoints a remote answer whose stream stalls
    AsyncStore& m_store;
    std::shared_ptr<const ws::Model> m_model;
    std::unique_ptr<ws::Session> m_session;
    int m_contextLength = 0;
};
