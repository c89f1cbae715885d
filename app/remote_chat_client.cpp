// RemoteChatClient: the request body, SSE streaming, usage, and the failure sentences.
#include "remote_chat_client.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QUrl>

namespace {

QString fromStd(const std::string& s) { return QString::fromStdString(s); }

/// `text` with `key` (and anything sent as a Bearer token) blanked out: a server or proxy that echoes the
/// request must not put the key into an error message, which is saved with the conversation.
QString redacted(QString text, const QString& key) {
    if (!key.trimmed().isEmpty())
        text.replace(key.trimmed(), QStringLiteral("[key]"));
    static const QRegularExpression bearer(QStringLiteral("Bearer\\s+\\S+"), QRegularExpression::CaseInsensitiveOption);
    return text.replace(bearer, QStringLiteral("Bearer [key]"));
}

/// error.message of an OpenAI-shaped error body, or the body itself when it is short plain text.
QString serverMessage(const QByteArray& body) {
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    const QJsonValue err = doc.object().value(QStringLiteral("error"));
    if (err.isObject())
        return err.toObject().value(QStringLiteral("message")).toString();
    if (err.isString())
        return err.toString();
    if (doc.object().value(QStringLiteral("message")).isString())
        return doc.object().value(QStringLiteral("message")).toString();
    const QString text = QString::fromUtf8(body).trimmed();
    return text.size() <= 300 && !text.startsWith(QLatin1Char('<')) ? text : QString();
}

} // namespace

RemoteChatClient::RemoteChatClient(QObject* parent) : QObject(parent) {}

RemoteChatClient::~RemoteChatClient() {
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
    }
}

QNetworkRequest RemoteChatClient::networkRequest(const RemoteEndpoint& endpoint, const QString& url) const {
    QNetworkRequest req{QUrl(url)};
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    if (!endpoint.apiKey.trimmed().isEmpty())
        req.setRawHeader("Authorization", "Bearer " + endpoint.apiKey.trimmed().toUtf8());
    // A stalled connection fails after two minutes without a byte; servers send keep-alives more often.
    req.setTransferTimeout(120000);
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    // The key must not follow a redirect to another host.
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::SameOriginRedirectPolicy);
    return req;
}

QJsonObject RemoteChatClient::requestBody(const RemoteRequest& request) {
    const GenerationSettings& g = request.settings;
    QJsonArray messages;
    for (const ws::ChatMessage& m : request.messages)
        messages.append(QJsonObject{{QStringLiteral("role"), fromStd(m.role)},
                                    {QStringLiteral("content"), fromStd(m.content.value_or(std::string()))}});
    const bool deepseek = request.endpoint.kind == RemoteEndpoint::Kind::DeepSeekApi;
    QJsonObject body{
        {QStringLiteral("model"), request.endpoint.model.trimmed()},
        {QStringLiteral("messages"), messages},
        {QStringLiteral("stream"), true},
        {QStringLiteral("stream_options"), QJsonObject{{QStringLiteral("include_usage"), true}}},
        {QStringLiteral("max_tokens"), g.maxTokens},
        {QStringLiteral("temperature"), deepseek ? g.temperature : g.effectiveTemperature()},
        {QStringLiteral("top_p"), g.topP},
        {QStringLiteral("presence_penalty"), g.presencePenalty},
        {QStringLiteral("frequency_penalty"), g.frequencyPenalty},
    };
    if (!g.stop.isEmpty())
        body.insert(QStringLiteral("stop"), QJsonArray::fromStringList(g.stop));
    if (g.seed)
        body.insert(QStringLiteral("seed"), static_cast<qint64>(*g.seed & 0x7fffffffffffffffULL));
    if (!deepseek && g.topK > 0)
        body.insert(QStringLiteral("top_k"), g.topK); // SGLang and vLLM take it; DeepSeek's API does not
    return body;
}

QString RemoteChatClient::describeHttpFailure(int status, const QString& message, const QString& endpointName) {
    QString what;
    switch (status) {
    case 400:
    case 422: what = tr("%1 rejected the request (HTTP %2).").arg(endpointName).arg(status); break;
    case 401:
    case 403:
        what = tr("%1 refused the API key (HTTP %2). Check the key in Settings → Endpoints.")
                   .arg(endpointName)
                   .arg(status);
        break;
    case 402: what = tr("%1: the account's balance is used up (HTTP 402). Top it up, then try again.").arg(endpointName); break;
    case 404:
        what = tr("%1 does not know this model or address (HTTP 404). Check the base URL and the model name.")
                   .arg(endpointName);
        break;
    case 429: what = tr("%1 is limiting requests (HTTP 429). Wait a moment, then try again.").arg(endpointName); break;
    default:
        what = status >= 500
                   ? tr("%1 had a server error (HTTP %2). Try again later.").arg(endpointName).arg(status)
                   : tr("%1 answered HTTP %2.").arg(endpointName).arg(status);
    }
    return message.isEmpty() ? what : what + QLatin1Char(' ') + tr("The server said: %1").arg(message);
}

void RemoteChatClient::start(const RemoteRequest& request) {
    Q_ASSERT(!m_reply);
    m_endpointName = request.endpoint.name;
    m_apiKey = request.endpoint.apiKey;
    m_sse = SseParser();
    m_splitter = ws::ThinkSplitter();
    m_result = RemoteResult();
    m_errorBody.clear();
    m_firstTokenMs = -1;
    m_deltas = 0;
    m_sawDone = false;
    m_aborted = false;
    m_failedInStream = false;
    m_clock.start();
    const QByteArray body = QJsonDocument(requestBody(request)).toJson(QJsonDocument::Compact);
    QNetworkRequest req = networkRequest(request.endpoint, request.endpoint.chatCompletionsUrl());
    req.setRawHeader("Accept", "text/event-stream");
    m_reply = m_network.post(req, body);
    connect(m_reply, &QNetworkReply::readyRead, this, &RemoteChatClient::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &RemoteChatClient::onFinished);
}

void RemoteChatClient::abort() {
    if (!m_reply)
        return;
    m_aborted = true;
    m_reply->abort(); // finished() follows, synchronously
}

void RemoteChatClient::emitDelta(const QString& content, const QString& reasoning) {
    if ((content.isEmpty() && reasoning.isEmpty()) || m_aborted)
        return;
    if (m_firstTokenMs < 0)
        m_firstTokenMs = static_cast<double>(m_clock.nsecsElapsed()) / 1e6;
    ++m_deltas;
    emit delta(content, reasoning);
}

void RemoteChatClient::handleEvent(const QByteArray& data) {
    if (data.trimmed() == "[DONE]") {
        m_sawDone = true;
        return;
    }
    const QJsonObject chunk = QJsonDocument::fromJson(data).object();
    if (chunk.contains(QStringLiteral("error"))) {
        m_failedInStream = true;
        m_result.outcome = RemoteResult::Outcome::Failed;
        const QString msg = redacted(serverMessage(data), m_apiKey);
        m_result.error = tr("%1 stopped with an error: %2").arg(m_endpointName, msg.isEmpty() ? tr("no details") : msg);
        return;
    }
    const QJsonValue usage = chunk.value(QStringLiteral("usage"));
    if (usage.isObject()) {
        const QJsonObject u = usage.toObject();
        m_result.promptTokens = u.value(QStringLiteral("prompt_tokens")).toInt();
        m_result.completionTokens = u.value(QStringLiteral("completion_tokens")).toInt();
        m_result.cacheHitTokens = u.contains(QStringLiteral("prompt_cache_hit_tokens"))
                                      ? u.value(QStringLiteral("prompt_cache_hit_tokens")).toInt()
                                      : u.value(QStringLiteral("prompt_tokens_details"))
                                            .toObject()
                                            .value(QStringLiteral("cached_tokens"))
                                            .toInt();
    }
    for (const QJsonValue& c : chunk.value(QStringLiteral("choices")).toArray()) {
        const QJsonObject choice = c.toObject();
        if (choice.value(QStringLiteral("index")).toInt() != 0)
            continue;
        const QJsonObject d = choice.value(QStringLiteral("delta")).toObject();
        const QString reasoning = d.value(QStringLiteral("reasoning_content")).toString();
        const ws::ThinkSplitter::Delta split = m_splitter.push(d.value(QStringLiteral("content")).toString().toStdString());
        emitDelta(fromStd(split.content), reasoning + fromStd(split.reasoning));
        if (const QJsonArray calls = d.value(QStringLiteral("tool_calls")).toArray(); !calls.isEmpty() && !m_aborted) {
            if (m_firstTokenMs < 0)
                m_firstTokenMs = static_cast<double>(m_clock.nsecsElapsed()) / 1e6;
            ++m_deltas;
            emit toolCallsDelta(calls);
        }
        if (choice.value(QStringLiteral("finish_reason")).isString())
            m_result.finishReason = choice.value(QStringLiteral("finish_reason")).toString();
    }
}

void RemoteChatClient::onReadyRead() {
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray bytes = m_reply->readAll();
    if (status != 200) {
        if (m_errorBody.size() < 65536)
            m_errorBody += bytes.left(65536);
        return;
    }
    for (const QByteArray& event : m_sse.feed(bytes)) {
        if (m_aborted || !m_reply)
            return; // stopped from a delta handler: nothing more is delivered
        handleEvent(event);
    }
}

void RemoteChatClient::onFinished() {
    QNetworkReply* reply = m_reply;
    m_reply = nullptr;
    reply->deleteLater();
    if (!m_aborted && reply->bytesAvailable() > 0) {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray rest = reply->readAll();
        if (status == 200)
            for (const QByteArray& event : m_sse.feed(rest))
                handleEvent(event);
        else
            m_errorBody += rest;
    }
    const ws::ThinkSplitter::Delta tail = m_splitter.flush();
    emitDelta(fromStd(tail.content), fromStd(tail.reasoning));

    RemoteResult r = m_result;
    r.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (m_firstTokenMs >= 0) {
        r.timeToFirstTokenMs = m_firstTokenMs;
        const double decodeMs = static_cast<double>(m_clock.nsecsElapsed()) / 1e6 - m_firstTokenMs;
        const int tokens = r.completionTokens > 0 ? r.completionTokens : m_deltas;
        if (decodeMs > 0 && tokens > 1)
            r.decodeTokensPerSecond = (tokens - 1) / (decodeMs / 1000.0);
    }
    if (m_aborted) {
        r.outcome = RemoteResult::Outcome::Stopped;
        r.finishReason = QStringLiteral("cancelled");
    } else if (m_failedInStream) {
        r.outcome = RemoteResult::Outcome::Failed;
    } else if (r.httpStatus != 0 && r.httpStatus != 200) {
        r.outcome = RemoteResult::Outcome::Failed;
        r.error = describeHttpFailure(r.httpStatus, redacted(serverMessage(m_errorBody), m_apiKey), m_endpointName);
    } else if (!m_sawDone && r.finishReason.isEmpty() && r.httpStatus == 0 && m_deltas == 0 &&
               reply->error() != QNetworkReply::NoError) {
        r.outcome = RemoteResult::Outcome::Failed;
        r.error = tr("Could not reach %1: %2").arg(m_endpointName, reply->errorString());
    } else if (!m_sawDone && r.finishReason.isEmpty()) {
        // The answer had begun (or the server answered 200) and the stream ended without its end.
        r.outcome = RemoteResult::Outcome::Failed;
        r.error = tr("%1 closed the connection before the answer was complete.").arg(m_endpointName);
    } else {
        r.outcome = RemoteResult::Outcome::Complete;
        if (r.finishReason.isEmpty())
            r.finishReason = QStringLiteral("stop");
    }
    emit finished(r);
}

void RemoteChatClient::listModels(const RemoteEndpoint& endpoint) {
    QNetworkReply* reply = m_network.get(networkRequest(endpoint, endpoint.modelsUrl()));
    const QString name = endpoint.name;
    const QString key = endpoint.apiKey;
    connect(reply, &QNetworkReply::finished, this, [this, reply, name, key] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->readAll();
        if (status != 0 && status != 200) {
            emit modelsListed({}, describeHttpFailure(status, redacted(serverMessage(body), key), name));
            return;
        }
        if (reply->error() != QNetworkReply::NoError) {
            emit modelsListed({}, tr("Could not reach %1: %2").arg(name, reply->errorString()));
            return;
        }
        QStringList models;
        for (const QJsonValue& m : QJsonDocument::fromJson(body).object().value(QStringLiteral("data")).toArray())
            models << m.toObject().value(QStringLiteral("id")).toString();
        emit modelsListed(models, models.isEmpty() ? tr("%1 lists no models.").arg(name) : QString());
    });
}
