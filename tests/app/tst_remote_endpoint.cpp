// Remote endpoints: SSE framing under any chunking, the request body, and RemoteChatClient end to end against our
// own API server (ws::ApiServer on the demo model, in this process) and against a canned server for the failures
// (401, 402, 429, 5xx, unreachable) and DeepSeek-reasoner-style thinking; a conversation that moves between an
// endpoint and the local model; tool calls (delta.tool_calls, or the model's call text) stored apart from the text;
// a local model whose template opens <think> answers as thinking; no key in any log line.
#include "app/chat_controller.h"
#include "app/demo_model.h"
#include "app/remote_chat_client.h"
#include "app/settings.h"
#include "app/sse_parser.h"
#include "app/tool_call_collector.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <mutex>

#include "whalesong/api_server.h"
#include "whalesong/generate.h"
#include "whalesong/model.h"

namespace {

constexpr int kTimeoutMs = 120000; // the demo model under ASan on a slow machine
const QString kKey = QStringLiteral("sk-secret-key-4711");

std::mutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void captureMessages(QtMsgType type, const QMessageLogContext& context, const QString& message) {
    {
        std::lock_guard lock(g_logMutex);
        g_log << message;
    }
    if (g_previousHandler) g_previousHandler(type, context, message);
}

/// Answers every connection with one canned HTTP response, then closes it.
class CannedServer : public QObject {
  public:
    explicit CannedServer(QByteArray response) : m_response(std::move(response)) {
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = m_server.nextPendingConnection()) {
                QObject::connect(s, &QTcpSocket::readyRead, s, [this, s] {
                    m_request += s->readAll();
                    if (!m_request.contains("\r\n\r\n")) return;
                    s->write(m_response);
                    s->disconnectFromHost();
                });
                QObject::connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
        m_server.listen(QHostAddress::LocalHost);
    }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1/v1").arg(m_server.serverPort()); }
    const QByteArray& request() const { return m_request; }

  private:
    QTcpServer m_server;
    QByteArray m_response;
    QByteArray m_request;
};

QByteArray httpResponse(int status, const QByteArray& reason, const QByteArray& contentType, const QByteArray& body) {
    return "HTTP/1.1 " + QByteArray::number(status) + " " + reason + "\r\nContent-Type: " + contentType +
           "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

struct Collected {
    QString content;
    QString reasoning;
    int deltas = 0;
    RemoteResult result;
    bool finished = false;
};

} // namespace

class TestRemoteEndpoint : public QObject {
    Q_OBJECT
    QTemporaryDir m_config;
    std::shared_ptr<const ws::Model> m_model;
    std::unique_ptr<ws::ApiServer> m_server;

    RemoteEndpoint ourServer(const QString& key = kKey) const {
        RemoteEndpoint e = RemoteEndpoint::selfHostedPreset(QStringLiteral("127.0.0.1"), m_server->port());
        e.name = QStringLiteral("Test server");
        e.apiKey = key;
        e.model = QStringLiteral("whalesong-demo");
        return e;
    }

    static GenerationSettings settings(int maxTokens, quint64 seed) {
        GenerationSettings g;
        g.maxTokens = maxTokens;
        g.seed = seed;
        g.temperature = 1.0;
        return g;
    }

    static std::vector<ws::ChatMessage> question(const std::string& text) { return {{"user", text, {}}}; }

    /// Runs one request to the end.
    static Collected run(RemoteChatClient& client, const RemoteRequest& request,
                         const std::function<void(Collected&)>& onDelta = {}) {
        Collected c;
        auto d = QObject::connect(&client, &RemoteChatClient::delta, [&](const QString& content, const QString& r) {
            c.content += content;
            c.reasoning += r;
            ++c.deltas;
            if (onDelta) onDelta(c);
        });
        auto f = QObject::connect(&client, &RemoteChatClient::finished, [&](const RemoteResult& r) {
            c.result = r;
            c.finished = true;
        });
        client.start(request);
        QElapsedTimer clock;
        clock.start();
        while (!c.finished && clock.elapsed() < kTimeoutMs) QTest::qWait(5);
        if (!c.finished) { // the callers' outcome checks fail on this
            c.result.outcome = RemoteResult::Outcome::Failed;
            c.result.error = QStringLiteral("timed out");
        }
        QObject::disconnect(d);
        QObject::disconnect(f);
        return c;
    }

  private slots:
    void initTestCase() {
        g_previousHandler = qInstallMessageHandler(captureMessages);
        QVERIFY(m_config.isValid());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_config.path());
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_config.path());
        qputenv("XDG_DATA_HOME", QDir(m_config.path()).filePath(QStringLiteral("data")).toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("Whalesong"));
        QCoreApplication::setApplicationName(QStringLiteral("whalesong"));
        const QString folder = DemoModel::defaultFolder();
        const ws::Status s = DemoModel::ensure(folder);
        QVERIFY2(s.isOk(), s.message().c_str());
        ws::LoadOptions o;
        o.threads = 2;
        auto m = ws::Model::load(folder.toStdString(), o);
        QVERIFY2(m, m ? "" : m.status().message().c_str());
        m_model = std::move(m).value();
        ws::ApiServerOptions so;
        so.port = 0;
        so.apiKey = kKey.toStdString();
        so.contextLimit = 1024;
        so.log = [](const std::string& line) { qInfo("api: %s", line.c_str()); };
        auto server = ws::ApiServer::start(so, m_model, "whalesong-demo");
        QVERIFY2(server, server ? "" : server.status().message().c_str());
        m_server = std::move(server).value();
    }

    void cleanupTestCase() {
        m_server.reset();
        qInstallMessageHandler(g_previousHandler);
        std::lock_guard lock(g_logMutex);
        QVERIFY(!g_log.isEmpty()); // the server's request lines were captured
        for (const QString& line : g_log) QVERIFY2(!line.contains(kKey), qPrintable(line));
    }

    void sseFramingUnderAnyChunking() {
        const QByteArray stream = ": keep-alive\r\n\r\ndata: {\"a\":1}\r\n\r\nevent: x\ndata: line one\ndata: line two\n\n"
                                  "data:[DONE]\n\n";
        const QList<QByteArray> expected{"{\"a\":1}", "line one\nline two", "[DONE]"};
        for (qsizetype cut1 = 0; cut1 <= stream.size(); ++cut1) {
            for (qsizetype cut2 = cut1; cut2 <= stream.size(); cut2 += 7) {
                SseParser p;
                QList<QByteArray> got = p.feed(stream.left(cut1));
                got += p.feed(stream.mid(cut1, cut2 - cut1));
                got += p.feed(stream.mid(cut2));
                QCOMPARE(got, expected);
                QCOMPARE(p.comments(), 1);
            }
        }
    }

    void requestBodyFollowsTheEndpoint() {
        RemoteRequest r;
        r.endpoint = RemoteEndpoint::deepSeekPreset();
        r.messages = {{"system", "be brief", {}}, {"user", "hi", {}}};
        r.settings = settings(100, 9);
        r.settings.temperature = 0.5;
        r.settings.topK = 40;
        r.settings.stop = {QStringLiteral("END")};
        QJsonObject b = RemoteChatClient::requestBody(r);
        QCOMPARE(b.value(QStringLiteral("model")).toString(), QStringLiteral("deepseek-chat"));
        QCOMPARE(b.value(QStringLiteral("temperature")).toDouble(), 0.5); // DeepSeek maps it itself
        QVERIFY(!b.contains(QStringLiteral("top_k")));                   // not a DeepSeek API field
        QCOMPARE(b.value(QStringLiteral("stream")).toBool(), true);
        QCOMPARE(b.value(QStringLiteral("stream_options")).toObject().value(QStringLiteral("include_usage")).toBool(),
                 true);
        QCOMPARE(b.value(QStringLiteral("max_tokens")).toInt(), 100);
        QCOMPARE(b.value(QStringLiteral("stop")).toArray().at(0).toString(), QStringLiteral("END"));
        QCOMPARE(b.value(QStringLiteral("seed")).toInteger(), 9);
        QCOMPARE(b.value(QStringLiteral("messages")).toArray().size(), 2);

        r.endpoint = RemoteEndpoint::selfHostedPreset(QStringLiteral("gpu-box"), 30000);
        QCOMPARE(r.endpoint.chatCompletionsUrl(), QStringLiteral("http://gpu-box:30000/v1/chat/completions"));
        QCOMPARE(r.endpoint.modelsUrl(), QStringLiteral("http://gpu-box:30000/v1/models"));
        b = RemoteChatClient::requestBody(r);
        QCOMPARE(b.value(QStringLiteral("temperature")).toDouble(), 0.15); // the mapping, done here
        QCOMPARE(b.value(QStringLiteral("top_k")).toInt(), 40);
    }

    void endpointProblemsNameTheField() {
        RemoteEndpoint e = RemoteEndpoint::deepSeekPreset();
        QCOMPARE(e.problems().size(), 1); // the key
        QVERIFY(e.problems().at(0).contains(QStringLiteral("API key")));
        e.apiKey = QStringLiteral("sk-x");
        QVERIFY(e.problems().isEmpty());
        e.baseUrl = QStringLiteral("api.deepseek.com");
        QVERIFY(e.problems().at(0).contains(QStringLiteral("Base URL")));
        ServerSettings s;
        s.lan = true;
        QVERIFY(s.problems().at(0).contains(QStringLiteral("API key")));
        s.apiKey = ServerSettings::generateKey();
        QVERIFY(s.apiKey.startsWith(QStringLiteral("sk-ws-")) && s.apiKey.size() == 38);
        QVERIFY(s.problems().isEmpty());
    }

    void streamsTheSameTextAsTheEngine() {
        RemoteChatClient client;
        RemoteRequest r{ourServer(), question("Tell me about whales."), settings(6, 5)};
        const Collected c = run(client, r);
        QCOMPARE(int(c.result.outcome), int(RemoteResult::Outcome::Complete));
        QCOMPARE(c.result.httpStatus, 200);
        QVERIFY(!c.content.isEmpty());
        QVERIFY(c.result.promptTokens > 0);
        QVERIFY(c.result.completionTokens > 0 && c.result.completionTokens <= 6);
        if (c.result.finishReason == QLatin1String("length")) QCOMPARE(c.result.completionTokens, 6);

        // The engine itself, same prompt and sampling: the same text, so nothing was lost or doubled on the way.
        auto session = m_model->newSession({1024});
        QVERIFY(session);
        const ws::Tokenizer& tok = m_model->tokenizer();
        auto rendered = tok.renderChat(r.messages, true);
        QVERIFY(rendered);
        const std::vector<ws::TokenId> prompt = tok.encode(rendered.value(), false);
        ws::SamplingParams p = r.settings.samplingParams(0);
        p.top_p = static_cast<float>(r.settings.topP);
        ws::Sampler sampler(p);
        sampler.setPrompt(prompt);
        ws::GenerateOptions go;
        go.maxTokens = 6;
        auto direct = ws::generate(*session.value(), tok, prompt, sampler, go);
        QVERIFY(direct);
        QCOMPARE(c.content, QString::fromStdString(direct.value().text));
        QCOMPARE(c.result.completionTokens, int(direct.value().outputIds.size()));

        // Again: the server's prefix cache answers for the prompt.
        const Collected again = run(client, r);
        QCOMPARE(again.content, c.content);
        QVERIFY(again.result.cacheHitTokens > 0);
    }

    void listsTheServersModels() {
        RemoteChatClient client;
        QSignalSpy listed(&client, &RemoteChatClient::modelsListed);
        client.listModels(ourServer());
        QVERIFY(listed.wait(kTimeoutMs));
        QCOMPARE(listed.at(0).at(0).toStringList(), QStringList{QStringLiteral("whalesong-demo")});
        QVERIFY(listed.at(0).at(1).toString().isEmpty());
    }

    void wrongKeyAndUnreachableAreSaidPlainly() {
        RemoteChatClient client;
        Collected c = run(client, {ourServer(QStringLiteral("sk-wrong-key-999")), question("hi"), settings(4, 1)});
        QCOMPARE(int(c.result.outcome), int(RemoteResult::Outcome::Failed));
        QCOMPARE(c.result.httpStatus, 401);
        QVERIFY2(c.result.error.contains(QStringLiteral("Test server")) && c.result.error.contains(QStringLiteral("401")),
                 qPrintable(c.result.error));
        QVERIFY(!c.result.error.contains(QStringLiteral("sk-wrong-key-999")));

        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const quint16 port = closed.serverPort();
        closed.close();
        RemoteEndpoint gone = ourServer();
        gone.baseUrl = QStringLiteral("http://127.0.0.1:%1/v1").arg(port);
        c = run(client, {gone, question("hi"), settings(4, 1)});
        QCOMPARE(int(c.result.outcome), int(RemoteResult::Outcome::Failed));
        QVERIFY2(c.result.error.startsWith(QStringLiteral("Could not reach Test server")), qPrintable(c.result.error));
    }

    void stopEndsTheStream() {
        RemoteChatClient client;
        const Collected c = run(client, {ourServer(), question("hi"), settings(2000, 3)}, [&](Collected& got) {
            if (got.deltas == 2) client.abort();
        });
        QCOMPARE(int(c.result.outcome), int(RemoteResult::Outcome::Stopped));
        QCOMPARE(c.deltas, 2);
        QCOMPARE(c.result.finishReason, QStringLiteral("cancelled"));
    }

    void httpFailuresAreSaidPlainly_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("expected");
        QTest::newRow("402") << 402 << QStringLiteral("balance");
        QTest::newRow("429") << 429 << QStringLiteral("limiting requests");
        QTest::newRow("503") << 503 << QStringLiteral("server error");
        QTest::newRow("500") << 500 << QStringLiteral("server error");
    }
    void httpFailuresAreSaidPlainly() {
        QFETCH(int, status);
        QFETCH(QString, expected);
        CannedServer canned(httpResponse(status, "Oops", "application/json",
                                         "{\"error\":{\"message\":\"Insufficient Balance\",\"type\":\"unknown_error\",\"param\":null,\"code\":\"invalid_request_error\"}}"));
        RemoteEndpoint e = ourServer();
        e.baseUrl = canned.baseUrl();
        RemoteChatClient client;
        const Collected c = run(client, {e, question("hi"), settings(4, 1)});
        QCOMPARE(int(c.result.outcome), int(RemoteResult::Outcome::Failed));
        QCOMPARE(c.result.httpStatus, status);
        QVERIFY2(c.result.error.contains(expected) && c.result.error.contains(QString::number(status)) &&
                     c.result.error.contains(QStringLiteral("Insufficient Balance")),
                 qPrintable(c.result.error));
        QVERIFY(canned.request().contains("Authorization: Bearer " + kKey.toUtf8())); // sent, never shown
        QVERIFY(!c.result.error.contains(kKey));
    }

    void anEchoedKeyIsBlankedOut() {
        // A proxy that echoes the request in its error must not put the key into the message (it is saved).
        CannedServer canned(httpResponse(502, "Bad Gateway", "text/plain",
                                         "upstream refused: Authorization: Bearer " + kKey.toUtf8()));
        RemoteEndpoint e = ourServer();
        e.baseUrl = canned.baseUrl();
        RemoteChatClient client;
        const Collected c = run(client, {e, question("hi"), settings(4, 1)});
        QCOMPARE(c.result.httpStatus, 502);
        QVERIFY2(c.result.error.contains(QStringLiteral("upstream refused")), qPrintable(c.result.error));
        QVERIFY2(!c.result.error.contains(kKey), qPrintable(c.result.error));
    }

    void reasoningContentIsThinking() {
        // deepseek-reasoner streams its thinking as reasoning_content, then the answer as content.
        const QByteArray sse =
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"\"}}]}\n\n"
            ": keep-alive\n\n"
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":null,\"reasoning_content\":\"Let me think.\"}}]}\n\n"
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello!\",\"reasoning_content\":null}}]}\n\n"
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"stop\"}],"
            "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":9,\"total_tokens\":16,\"prompt_cache_hit_tokens\":0,"
            "\"prompt_cache_miss_tokens\":7}}\n\n"
            "data: [DONE]\n\n";
        CannedServer canned(httpResponse(200, "OK", "text/event-stream", sse));
        RemoteEndpoint e = RemoteEndpoint::deepSeekPreset();
        e.name = QStringLiteral("DeepSeek");
        e.apiKey = kKey;
        e.model = QStringLiteral("deepseek-reasoner");
        e.baseUrl = canned.baseUrl();
        RemoteChatClient client;
        Collected c = run(client, {e, question("hi"), settings(50, 1)});
        QCOMPARE(int(c.result.outcome), int(RemoteResult::Outcome::Complete));
        QCOMPARE(c.reasoning, QStringLiteral("Let me think."));
        QCOMPARE(c.content, QStringLiteral("Hello!"));
        QCOMPARE(c.result.promptTokens, 7);
        QCOMPARE(c.result.completionTokens, 9);
        QCOMPARE(c.result.finishReason, QStringLiteral("stop"));

        // A server without a reasoning parser sends the <think> block inside content: split the same way.
        const QByteArray raw =
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"<thi\"}}]}\n\n"
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"nk>Hmm.</think>\\n\\nYes.\"}}]}\n\n"
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
            "data: [DONE]\n\n";
        CannedServer canned2(httpResponse(200, "OK", "text/event-stream", raw));
        e.baseUrl = canned2.baseUrl();
        c = run(client, {e, question("hi"), settings(50, 1)});
        QCOMPARE(c.reasoning, QStringLiteral("Hmm."));
        QCOMPARE(c.content, QStringLiteral("Yes."));

        // A stream cut off before its end is an error, not a complete answer.
        CannedServer canned3(httpResponse(200, "OK", "text/event-stream",
                                          "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Par\"}}]}\n\n"));
        e.baseUrl = canned3.baseUrl();
        c = run(client, {e, question("hi"), settings(50, 1)});
        QCOMPARE(int(c.result.outcome), int(RemoteResult::Outcome::Failed));
        QCOMPARE(c.content, QStringLiteral("Par"));
        QVERIFY(c.result.error.contains(QStringLiteral("before the answer was complete")));
    }

    void conversationMovesBetweenEndpointAndLocalModel() {
        QTemporaryDir data;
        QVERIFY(data.isValid());
        AppSettings s;
        s.model.threads = 2;
        s.model.contextLength = 1024;
        s.generation = settings(4, 11);
        s.language = QStringLiteral("en");
        s.endpoints = {ourServer()};
        s.activeEndpoint = s.endpoints.at(0).id;
        ChatController controller(data.path(), s);
        QSignalSpy loaded(&controller, &ChatController::modelLoaded);
        QSignalSpy generating(&controller, &ChatController::generatingChanged);
        controller.start();
        QVERIFY(loaded.wait(kTimeoutMs));

        controller.send(QStringLiteral("First, from the endpoint"));
        QTRY_COMPARE_WITH_TIMEOUT(generating.size(), 2, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(int(controller.branch().size()), 2, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(int(controller.branch().back().record.status), int(MessageStatus::Complete),
                                  kTimeoutMs);
        const MessageRecord remote = controller.branch().back().record;
        QCOMPARE(remote.backend, QStringLiteral("Test server"));
        QCOMPARE(remote.model, QStringLiteral("whalesong-demo"));
        QVERIFY(!remote.content.isEmpty());
        QVERIFY(remote.stats.completionTokens.has_value());

        s.activeEndpoint.clear(); // the same conversation goes on with the local model
        controller.applySettings(s);
        controller.send(QStringLiteral("Then, on this computer"));
        QTRY_COMPARE_WITH_TIMEOUT(generating.size(), 4, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(int(controller.branch().size()), 4, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(int(controller.branch().back().record.status), int(MessageStatus::Complete),
                                  kTimeoutMs);
        const MessageRecord local = controller.branch().back().record;
        QVERIFY2(local.backend.startsWith(QStringLiteral("cpu")), qPrintable(local.backend));
        QCOMPARE(controller.branch().at(1).record.content, remote.content);
    }

    void endpointAnswersWhenNoLocalModelLoads() {
        // Sending needs a local model OR an endpoint that is set up: with the model folder missing, the endpoint
        // still answers (the window once refused this, and cleared the draft besides).
        QTemporaryDir data;
        QVERIFY(data.isValid());
        AppSettings s;
        s.model.folder = QDir(data.path()).filePath(QStringLiteral("missing-model"));
        s.model.threads = 2;
        s.generation = settings(4, 5);
        s.language = QStringLiteral("en");
        s.endpoints = {ourServer()};
        s.activeEndpoint = s.endpoints.at(0).id;
        ChatController controller(data.path(), s);
        QSignalSpy failed(&controller, &ChatController::modelLoadFailed);
        QSignalSpy opened(&controller, &ChatController::storeOpened);
        QSignalSpy saved(&controller, &ChatController::questionSaved);
        controller.start();
        QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty() && !opened.isEmpty(), kTimeoutMs);
        QVERIFY(!controller.model().model);
        QCOMPARE(controller.sendBlocker(), QString());
        QVERIFY(controller.send(QStringLiteral("Only the endpoint can answer")));
        QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 1, kTimeoutMs);
        QCOMPARE(saved.at(0).at(0).toString(), QStringLiteral("Only the endpoint can answer"));
        QTRY_COMPARE_WITH_TIMEOUT(int(controller.branch().size()), 2, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(int(controller.branch().back().record.status), int(MessageStatus::Complete),
                                  kTimeoutMs);
        QCOMPARE(controller.branch().back().record.backend, QStringLiteral("Test server"));
        // Without the endpoint nothing can answer: refused, and said why.
        s.activeEndpoint.clear();
        controller.applySettings(s);
        QTRY_VERIFY_WITH_TIMEOUT(!controller.isModelLoading(), kTimeoutMs);
        QVERIFY(controller.sendBlocker().contains(QStringLiteral("No model is loaded")));
        QVERIFY(!controller.send(QStringLiteral("and now?")));
    }

    void toolCallCollectorJoinsDeltas() {
        // OpenAI's form: index on every delta, id and name on the first.
        ToolCallCollector c;
        c.pushDeltas(QJsonDocument::fromJson("[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]").array());
        QVERIFY(c.takeChanged());
        QVERIFY(!c.takeChanged());
        c.pushDeltas(QJsonDocument::fromJson("[{\"index\":0,\"function\":{\"arguments\":\"{\\\"x\\\"\"}}]").array());
        c.pushDeltas(QJsonDocument::fromJson("[{\"index\":0,\"function\":{\"arguments\":\": 1}\"}},\n                                                 {\"index\":1,\"id\":\"call_b\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]").array());
        QCOMPARE(QJsonDocument(c.calls()).toJson(QJsonDocument::Compact),
                 QByteArray("[{\"function\":{\"arguments\":\"{\\\"x\\\": 1}\",\"name\":\"f\"},\"id\":\"call_a\",\"type\":\"function\"},"
                            "{\"function\":{\"arguments\":\"{}\",\"name\":\"g\"},\"id\":\"call_b\",\"type\":\"function\"}]"));
        // Servers that leave out the index, send the name again, or send the arguments as an object.
        ToolCallCollector d;
        d.pushDeltas(QJsonDocument::fromJson("[{\"id\":\"1\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":\"}}]").array());
        d.pushDeltas(QJsonDocument::fromJson("[{\"id\":\"1\",\"function\":{\"name\":\"f\",\"arguments\":\"2}\"}}]").array());
        d.pushDeltas(QJsonDocument::fromJson("[{\"id\":\"2\",\"function\":{\"name\":\"g\",\"arguments\":{\"b\":[1]}}}]").array());
        d.pushDeltas(QJsonDocument::fromJson("[{\"index\":5000,\"function\":{\"arguments\":\"x\"}}]").array()); // absurd: dropped
        QCOMPARE(d.calls().size(), 2);
        QCOMPARE(d.calls().at(0).toObject().value(QStringLiteral("function")).toObject(),
                 (QJsonObject{{QStringLiteral("name"), QStringLiteral("f")}, {QStringLiteral("arguments"), QStringLiteral("{\"a\":2}")}}));
        QCOMPARE(d.calls().at(1).toObject().value(QStringLiteral("function")).toObject().value(QStringLiteral("arguments")).toString(),
                 QStringLiteral("{\"b\":[1]}"));

        // DeepSeek-V3's call text inside content, cut anywhere: the same calls, the text around them kept.
        const QString text = QStringLiteral("Sure.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n"
                                            "```json\n{\"city\": \"杭州\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>");
        for (qsizetype cut = 0; cut <= text.size(); ++cut) {
            ToolCallCollector e;
            QString content = e.pushContent(text.left(cut));
            content += e.pushContent(text.mid(cut));
            content += e.flush();
            QCOMPARE(content, QStringLiteral("Sure."));
            QCOMPARE(e.calls().size(), 1);
            const QJsonObject fn = e.calls().at(0).toObject().value(QStringLiteral("function")).toObject();
            QCOMPARE(fn.value(QStringLiteral("name")).toString(), QStringLiteral("get_weather"));
            QCOMPARE(fn.value(QStringLiteral("arguments")).toString(), QStringLiteral("{\"city\": \"杭州\"}"));
            QVERIFY(e.calls().at(0).toObject().value(QStringLiteral("id")).toString().startsWith(QLatin1String("call_")));
        }
        // Garbled call text stays text; plain text is untouched.
        const QString garbled = QStringLiteral("<｜tool▁calls▁begin｜>not a call");
        QCOMPARE(ToolCallCollector::split(garbled).first, garbled);
        QVERIFY(ToolCallCollector::split(garbled).second.isEmpty());
        QCOMPARE(ToolCallCollector::split(QStringLiteral("plain")).first, QStringLiteral("plain"));

        // Arguments laid out for reading in the written order; what is not JSON comes back unchanged.
        QCOMPARE(formatJsonText(u"{\"b\":1,\"a\":{\"s\":\"x, y: {z}\",\"e\":[]},\"l\":[1,2]}"),
                 QStringLiteral("{\n  \"b\": 1,\n  \"a\": {\n    \"s\": \"x, y: {z}\",\n    \"e\": []\n  },\n"
                                "  \"l\": [\n    1,\n    2\n  ]\n}"));
        QCOMPARE(formatJsonText(u"{\"city\": \"杭"), QStringLiteral("{\"city\": \"杭"));
        QCOMPARE(formatJsonText(u"{\"q\": \"say \\\"hi\\\", {ok}\"}"), QStringLiteral("{\n  \"q\": \"say \\\"hi\\\", {ok}\"\n}"));
    }

    void toolCallsAreStoredApartFromTheText_data() {
        QTest::addColumn<QByteArray>("sse");
        // DeepSeek's API (and any server with a tool parser): delta.tool_calls, finish_reason "tool_calls".
        QTest::newRow("delta.tool_calls")
            << QByteArray("data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Let me check.\"}}]}\n\n"
                          "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_w\",\"type\":\"function\","
                          "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}}]}\n\n"
                          "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\"\"}}]}}]}\n\n"
                          "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\": \\\"杭州\\\"}\"}}]}}]}\n\n"
                          "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_t\",\"type\":\"function\","
                          "\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]}}]}\n\n"
                          "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}],"
                          "\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":25,\"total_tokens\":55}}\n\n"
                          "data: [DONE]\n\n");
        // A server without a tool parser (or a plain completion server) passes the model's call text as content.
        QTest::newRow("call text in content")
            << QByteArray("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Let me check.<｜tool▁calls\"}}]}\n\n"
                          "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\\n```json\\n{\\\"city\\\"\"}}]}\n\n"
                          "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\": \\\"杭州\\\"}\\n```<｜tool▁call▁end｜>\\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>\"}}]}\n\n"
                          "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"get_time\\n```json\\n{}\\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>\"}}]}\n\n"
                          "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                          "data: [DONE]\n\n");
    }

    void toolCallsAreStoredApartFromTheText() {
        QFETCH(QByteArray, sse);
        CannedServer canned(httpResponse(200, "OK", "text/event-stream", sse));
        RemoteEndpoint e = RemoteEndpoint::deepSeekPreset();
        e.name = QStringLiteral("DeepSeek");
        e.apiKey = kKey;
        e.baseUrl = canned.baseUrl();
        QTemporaryDir data;
        AppSettings s;
        s.model.threads = 2;
        s.model.contextLength = 1024;
        s.generation = settings(100, 3);
        s.endpoints = {e};
        s.activeEndpoint = s.endpoints.at(0).id;
        qint64 answerId = 0;
        {
            ChatController controller(data.path(), s);
            QSignalSpy loaded(&controller, &ChatController::modelLoaded);
            QSignalSpy calls(&controller, &ChatController::toolCallsChanged);
            QSignalSpy generating(&controller, &ChatController::generatingChanged);
            controller.start();
            QVERIFY(loaded.wait(kTimeoutMs));
            controller.send(QStringLiteral("Weather in 杭州?"));
            QTRY_COMPARE_WITH_TIMEOUT(generating.size(), 2, kTimeoutMs);
            QTRY_COMPARE_WITH_TIMEOUT(int(controller.branch().back().record.status), int(MessageStatus::Complete),
                                      kTimeoutMs);
            QVERIFY(!calls.isEmpty()); // the view saw them while they streamed
            answerId = controller.branch().back().record.id;
        }
        // In the store, read back by a fresh connection: the text without the call text, the calls apart.
        auto store = ConversationStore::open(data.path());
        QVERIFY2(store, store ? "" : store.status().message().c_str());
        const std::optional<MessageRecord> m = store.value()->message(answerId);
        QVERIFY(m);
        QCOMPARE(m->content, QStringLiteral("Let me check."));
        QCOMPARE(m->toolCalls.size(), 2);
        const QJsonObject first = m->toolCalls.at(0).toObject();
        QCOMPARE(first.value(QStringLiteral("type")).toString(), QStringLiteral("function"));
        QVERIFY(!first.value(QStringLiteral("id")).toString().isEmpty());
        QCOMPARE(first.value(QStringLiteral("function")).toObject(),
                 (QJsonObject{{QStringLiteral("name"), QStringLiteral("get_weather")},
                              {QStringLiteral("arguments"), QStringLiteral("{\"city\": \"杭州\"}")}}));
        QCOMPARE(m->toolCalls.at(1).toObject().value(QStringLiteral("function")).toObject().value(QStringLiteral("name")).toString(),
                 QStringLiteral("get_time"));
    }

    void localAnswerOfAThinkingTemplateIsThinking() {
        // The demo model with R1's chat template (llama.cpp's copy), whose generation prompt opens "<think>\n":
        // the local answer starts as thinking, never as text with a stray </think>.
        QTemporaryDir data, model;
        const QDir demo(DemoModel::defaultFolder());
        for (const QString& name : demo.entryList(QDir::Files))
            if (name != QLatin1String("tokenizer_config.json"))
                QVERIFY(QFile::link(demo.filePath(name), QDir(model.path()).filePath(name)));
        QFile config(demo.filePath(QStringLiteral("tokenizer_config.json")));
        QVERIFY(config.open(QIODevice::ReadOnly));
        QJsonObject tc = QJsonDocument::fromJson(config.readAll()).object();
        QFile r1(QStringLiteral(WS_SOURCE_DIR "/tests/engine/fixtures/chat_templates/llama-cpp-deepseek-r1.jinja"));
        QVERIFY(r1.open(QIODevice::ReadOnly));
        tc.insert(QStringLiteral("chat_template"), QString::fromUtf8(r1.readAll()));
        QFile out(QDir(model.path()).filePath(QStringLiteral("tokenizer_config.json")));
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(QJsonDocument(tc).toJson());
        out.close();

        AppSettings s;
        s.model.folder = model.path();
        s.model.threads = 2;
        s.model.contextLength = 1024;
        s.generation = settings(12, 5);
        ChatController controller(data.path(), s);
        QSignalSpy loaded(&controller, &ChatController::modelLoaded);
        QSignalSpy generating(&controller, &ChatController::generatingChanged);
        controller.start();
        QVERIFY(loaded.wait(kTimeoutMs));
        controller.send(QStringLiteral("Why is the sea salty?"));
        QTRY_COMPARE_WITH_TIMEOUT(generating.size(), 2, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(int(controller.branch().back().record.status), int(MessageStatus::Complete),
                                  kTimeoutMs);
        const MessageRecord answer = controller.branch().back().record;
        QVERIFY2(!answer.reasoning.isEmpty(), qPrintable(answer.content));
        QVERIFY2(!answer.content.contains(QLatin1String("</think>")), qPrintable(answer.content));
        QVERIFY(answer.stats.reasoningMs.has_value());
    }

    void stoppedRemoteAnswerIsKept() {
        QTemporaryDir data;
        AppSettings s;
        s.model.threads = 2;
        s.model.contextLength = 1024;
        s.generation = settings(2000, 12);
        s.endpoints = {ourServer()};
        s.activeEndpoint = s.endpoints.at(0).id;
        ChatController controller(data.path(), s);
        QSignalSpy loaded(&controller, &ChatController::modelLoaded);
        QSignalSpy text(&controller, &ChatController::textArrived);
        QSignalSpy generating(&controller, &ChatController::generatingChanged);
        controller.start();
        QVERIFY(loaded.wait(kTimeoutMs));
        controller.send(QStringLiteral("A long answer, please"));
        QTRY_VERIFY_WITH_TIMEOUT(text.size() >= 3, kTimeoutMs);
        controller.stop();
        QTRY_COMPARE_WITH_TIMEOUT(generating.size(), 2, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(int(controller.branch().back().record.status), int(MessageStatus::Stopped),
                                  kTimeoutMs);
        QVERIFY(!controller.branch().back().record.content.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestRemoteEndpoint)
#include "tst_remote_endpoint.moc"
