// RemoteChatClient: one streamed chat completion from an OpenAI-compatible endpoint (DeepSeek's API, SGLang,
// vLLM, another Whalesong) through QNetworkAccessManager — deltas as they come, reasoning_content as thinking,
// delta.tool_calls as they come, failures (401, 402, 429, 5xx, unreachable) as plain sentences that never contain the key.
#pragma once

#include "settings.h"
#include "sse_parser.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>

#include <vector>

#include "whalesong/think_splitter.h"
#include "whalesong/tokenizer.h"

struct RemoteRequest {
    RemoteEndpoint endpoint;
    std::vector<ws::ChatMessage> messages; ///< system prompt first (if any), ending with the question
    GenerationSettings settings;
};

struct RemoteResult {
    enum class Outcome { Complete, Stopped, Failed };
    Outcome outcome = Outcome::Complete;
    QString finishReason; ///< "stop" | "length" | … as the server said; "cancelled" when stopped
    QString error;        ///< Failed: translated, names the endpoint, never the key
    int httpStatus = 0;   ///< 0: no HTTP answer (unreachable, stopped before)
    int promptTokens = 0; ///< from the usage chunk, when the server sent one
    int completionTokens = 0;
    int cacheHitTokens = 0;
    double timeToFirstTokenMs = 0;
    double decodeTokensPerSecond = 0;
};

/// One request at a time. Lives on the thread that uses it (its QNetworkAccessManager does).
class RemoteChatClient : public QObject {
    Q_OBJECT
  public:
    explicit RemoteChatClient(QObject* parent = nullptr);
    ~RemoteChatClient() override;

    /// Starts streaming the answer; delta()s, then exactly one finished().
    void start(const RemoteRequest& request);
    /// Stops the running request: finished() follows with Outcome::Stopped (what arrived is kept).
    void abort();
    bool isRunning() const { return m_reply != nullptr; }

    /// GET {base}/models: modelsListed() follows (for the settings' "Test connection").
    void listModels(const RemoteEndpoint& endpoint);

    /// The JSON body sent for `request` (stream with usage; DeepSeek's API gets the temperature as asked — it
    /// maps it itself — other servers get the effective one).
    static QJsonObject requestBody(const RemoteRequest& request);
    /// The sentence shown for an HTTP failure of `endpointName`, with the server's own message when it gave one.
    static QString describeHttpFailure(int status, const QString& serverMessage, const QString& endpointName);

  signals:
    void delta(const QString& content, const QString& reasoning);
    /// One chunk's delta.tool_calls, as the server sent them (ToolCallCollector joins them).
    void toolCallsDelta(const QJsonArray& calls);
    void finished(const RemoteResult& result);
    void modelsListed(const QStringList& models, const QString& error);

  private:
    QNetworkRequest networkRequest(const RemoteEndpoint& endpoint, const QString& url) const;
    void onReadyRead();
    void onFinished();
    void handleEvent(const QByteArray& data);
    void emitDelta(const QString& content, const QString& reasoning);

    QNetworkAccessManager m_network;
    QPointer<QNetworkReply> m_reply;
    QString m_endpointName;
    QString m_apiKey; ///< only to blank it out of error messages
    SseParser m_sse;
    ws::ThinkSplitter m_splitter; ///< servers without a reasoning parser send <think> inside content
    RemoteResult m_result;
    QByteArray m_errorBody;
    QElapsedTimer m_clock;
    double m_firstTokenMs = -1;
    int m_deltas = 0;
    bool m_sawDone = false;
    bool m_aborted = false;
    bool m_failedInStream = false;
};
