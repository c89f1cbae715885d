// Produces answers on a thread of its own, from the local engine or from an OpenAI-compatible endpoint, and checkpoints them.
#include "answer_worker.h"

#include "remote_chat_client.h"
#include "stream_checkpointer.h"
#include "tool_call_collector.h"
#include "whalesong/think_splitter.h"

#include <QElapsedTimer>
#include <QTimer>

#include "whalesong/generate.h"
#include "whalesong/sampler.h"

namespace {
QString fromStd(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }
} // namespace

struct AnswerWorker::RemoteRun {
    GenerationJob job;
    std::unique_ptr<StreamCheckpointer> checkpointer;
    std::optional<std::stop_callback<std::function<void()>>> onStop;
    QElapsedTimer clock;
    std::optional<double> reasoningMs;
    bool sawReasoning = false;
    ToolCallCollector tools;
};

namespace {
/// The collector's calls, when they changed, into the checkpoint and to the view.
template <typename Emit> void publishToolCalls(ToolCallCollector& tools, StreamCheckpointer& checkpointer, Emit emitChanged) {
    if (!tools.takeChanged())
        return;
    (void)checkpointer.setToolCalls(tools.calls()); // a failed checkpoint keeps them for the next one
    emitChanged(tools.calls());
}
} // namespace

AnswerWorker::AnswerWorker(AsyncStore& store) : m_store(store) {}
AnswerWorker::~AnswerWorker() = default;

void AnswerWorker::shutdown() {
    if (m_remoteRun && m_remote)
        m_remote->abort(); // finishRemote() runs now: what arrived is saved, marked stopped
    delete m_remote;       // its network objects belong to this thread
    m_remote = nullptr;
}

void AnswerWorker::setModel(std::shared_ptr<const ws::Model> model, int contextLength) {
    m_session.reset(); // a session must not outlive its model
    m_model = std::move(model);
    m_contextLength = contextLength;
}

void AnswerWorker::generate(const GenerationJob& job) {
    if (job.endpoint) {
        startRemote(job);
        return;
    }
    emit generationFinished(run(job));
}

GenerationOutcome AnswerWorker::failed(const GenerationJob& job, StreamCheckpointer& checkpointer,
                                       const QString& message, const MessageStats& stats) {
    GenerationOutcome out;
    out.stats = stats;
    out.conversationId = job.conversationId;
    out.answerId = job.answerId;
    out.status = MessageStatus::Error;
    out.finishReason = QStringLiteral("error");
    out.error = message;
    out.content = checkpointer.content();
    out.reasoning = checkpointer.reasoning();
    out.toolCalls = checkpointer.toolCalls();
    if (const ws::Status s = checkpointer.finish(MessageStatus::Error, out.stats, message); !s)
        out.error += QLatin1Char('\n') + tr("The answer could not be saved: %1").arg(fromStd(s.message()));
    return out;
}

void AnswerWorker::startRemote(const GenerationJob& job) {
    auto checkpointer = std::make_unique<StreamCheckpointer>(m_store, job.answerId);
    if (const QStringList problems = job.endpoint->problems() + job.settings.problems(); !problems.isEmpty()) {
        emit generationFinished(failed(job, *checkpointer, problems.join(QLatin1Char('\n'))));
        return;
    }
    if (!m_remote) {
        m_remote = new RemoteChatClient(this);
        connect(m_remote, &RemoteChatClient::delta, this, [this](const QString& rawContent, const QString& reasoning) {
            if (!m_remoteRun)
                return;
            RemoteRun& r = *m_remoteRun;
            r.sawReasoning = r.sawReasoning || !reasoning.isEmpty();
            if (r.sawReasoning && !r.reasoningMs && !rawContent.isEmpty())
                r.reasoningMs = static_cast<double>(r.clock.nsecsElapsed()) / 1e6;
            // A server without a tool-call parser sends the model's call text as content.
            const QString content = r.tools.pushContent(rawContent);
            publishToolCalls(r.tools, *r.checkpointer, [&](const QJsonArray& calls) { emit toolCallsChanged(r.job.answerId, calls); });
            if (content.isEmpty() && reasoning.isEmpty())
                return;
            (void)r.checkpointer->append(content, reasoning); // a failed checkpoint keeps the text for the next
            emit textArrived(r.job.answerId, content, reasoning);
        });
        connect(m_remote, &RemoteChatClient::toolCallsDelta, this, [this](const QJsonArray& deltas) {
            if (!m_remoteRun)
                return;
            RemoteRun& r = *m_remoteRun;
            r.tools.pushDeltas(deltas);
            publishToolCalls(r.tools, *r.checkpointer, [&](const QJsonArray& calls) { emit toolCallsChanged(r.job.answerId, calls); });
        });
        connect(m_remote, &RemoteChatClient::finished, this, &AnswerWorker::finishRemote);
        m_flushTimer = new QTimer(this);
        m_flushTimer->setInterval(250);
        connect(m_flushTimer, &QTimer::timeout, this, [this] {
            if (m_remoteRun)
                (void)m_remoteRun->checkpointer->flush();
        });
    }
    m_remoteRun = std::make_unique<RemoteRun>();
    m_remoteRun->job = job;
    m_remoteRun->checkpointer = std::move(checkpointer);
    m_remoteRun->clock.start();
    emit generationStarted(job.answerId, 0);
    m_remote->start(RemoteRequest{*job.endpoint, job.messages, job.settings});
    m_flushTimer->start();
    // Stop is pressed on the GUI thread: the abort is queued to this one (or runs now, if already pressed).
    QPointer<RemoteChatClient> client = m_remote;
    m_remoteRun->onStop.emplace(job.stop.get_token(), std::function<void()>([client] {
        QMetaObject::invokeMethod(client, [client] { if (client) client->abort(); }, Qt::QueuedConnection);
    }));
}

void AnswerWorker::finishRemote(const RemoteResult& result) {
    if (!m_remoteRun)
        return;
    std::unique_ptr<RemoteRun> run = std::move(m_remoteRun);
    m_flushTimer->stop();
    run->onStop.reset();
    if (const QString held = run->tools.flush(); !held.isEmpty()) {
        (void)run->checkpointer->append(held);
        emit textArrived(run->job.answerId, held, {});
    }
    publishToolCalls(run->tools, *run->checkpointer, [&](const QJsonArray& calls) { emit toolCallsChanged(run->job.answerId, calls); });
    if (result.outcome == RemoteResult::Outcome::Failed) {
        emit generationFinished(failed(run->job, *run->checkpointer, result.error));
        return;
    }
    GenerationOutcome out;
    out.conversationId = run->job.conversationId;
    out.answerId = run->job.answerId;
    if (result.promptTokens > 0)
        out.stats.promptTokens = result.promptTokens;
    if (result.completionTokens > 0)
        out.stats.completionTokens = result.completionTokens;
    if (result.timeToFirstTokenMs > 0)
        out.stats.timeToFirstTokenMs = result.timeToFirstTokenMs;
    if (result.decodeTokensPerSecond > 0)
        out.stats.decodeTokensPerSecond = result.decodeTokensPerSecond;
    if (run->sawReasoning)
        out.stats.reasoningMs = run->reasoningMs ? *run->reasoningMs : static_cast<double>(run->clock.nsecsElapsed()) / 1e6;
    out.finishReason = result.finishReason;
    out.status = result.outcome == RemoteResult::Outcome::Stopped ? MessageStatus::Stopped : MessageStatus::Complete;
    out.content = run->checkpointer->content();
    out.reasoning = run->checkpointer->reasoning();
    out.toolCalls = run->checkpointer->toolCalls();
    if (const ws::Status s = run->checkpointer->finish(out.status, out.stats); !s) {
        out.status = MessageStatus::Error;
        out.error = tr("The answer could not be saved: %1").arg(fromStd(s.message()));
    }
    emit generationFinished(out);
}

GenerationOutcome AnswerWorker::run(const GenerationJob& job) {
    GenerationOutcome out;
    out.conversationId = job.conversationId;
    out.answerId = job.answerId;
    StreamCheckpointer checkpointer(m_store, job.answerId);
    const auto fail = [&](const QString& message) {
        GenerationOutcome f = failed(job, checkpointer, message, out.stats);
        f.contextUsed = out.contextUsed;
        f.contextLimit = out.contextLimit;
        return f;
    };

    if (!m_model) return fail(tr("No model is loaded."));
    if (!m_session) {
        auto session = m_model->newSession(ws::SessionOptions{m_contextLength});
        if (!session) return fail(tr("The model's context could not be allocated: %1").arg(fromStd(session.status().message())));
        m_session = std::move(session.value());
    }
    out.contextLimit = m_session->contextLimit();

    const ws::Tokenizer& tokenizer = m_model->tokenizer();
    auto rendered = tokenizer.renderChat(job.messages, true);
    if (!rendered) return fail(tr("The conversation could not be turned into a prompt: %1").arg(fromStd(rendered.status().message())));
    const std::vector<ws::TokenId> prompt = tokenizer.encode(rendered.value(), false);
    const int promptTokens = static_cast<int>(prompt.size());
    out.stats.promptTokens = promptTokens;
    // Refused, never cut: the whole conversation must fit, with room for at least one answer token.
    if (promptTokens >= m_session->contextLimit())
        return fail(tr("The conversation is %n token(s) long; the context holds %1. Start a new conversation or "
                       "raise the context length in the settings.", nullptr, promptTokens)
                        .arg(m_session->contextLimit()));

    const QStringList problems = job.settings.problems();
    if (!problems.isEmpty()) return fail(problems.join(QLatin1Char('\n')));
    ws::Sampler sampler(job.settings.samplingParams(job.seed));
    sampler.setPrompt(prompt);
    ws::GenerateOptions options;
    options.maxTokens = job.settings.maxTokens;
    for (const QString& s : job.settings.stop) options.stop.push_back(s.toStdString());
    options.stopToken = job.stop.get_token();

    emit generationStarted(job.answerId, promptTokens);
    // A prompt that opens the <think> block itself (V3.1 with thinking on, R1's later templates): the answer
    // starts as thinking.
    ws::ThinkSplitter splitter(ws::ThinkSplitter::endsInsideThinking(rendered.value()));
    ToolCallCollector tools; // DeepSeek-V3's call text becomes tool calls, shown and stored apart from the text
    QElapsedTimer clock;
    clock.start();
    const auto deliver = [&](const ws::ThinkSplitter::Delta& d, bool last) {
        if (d.reasoningEnded) out.stats.reasoningMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
        QString content = tools.pushContent(fromStd(d.content));
        if (last) content += tools.flush();
        publishToolCalls(tools, checkpointer, [&](const QJsonArray& calls) { emit toolCallsChanged(job.answerId, calls); });
        if (content.isEmpty() && d.reasoning.empty()) return;
        const QString reasoning = fromStd(d.reasoning);
        (void)checkpointer.append(content, reasoning); // a failed checkpoint keeps the text for the next one
        emit textArrived(job.answerId, content, reasoning);
    };
    auto result = ws::generate(*m_session, tokenizer, prompt, sampler, options,
                               [&](const ws::TokenEvent& e) { deliver(splitter.push(e.text), false); });
    deliver(splitter.flush(), true);
    if (splitter.inReasoning() && !out.stats.reasoningMs)
        out.stats.reasoningMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    out.contextUsed = static_cast<int>(m_session->tokens().size());
    if (!result) {
        m_session.reset(); // its cache may be half-written; the next answer starts a clean one
        return fail(fromStd(result.status().message()));
    }
    const ws::GenerateResult& r = result.value();
    out.stats.completionTokens = static_cast<int>(r.outputIds.size());
    if (r.decodeSteps > 0 || !r.outputIds.empty()) out.stats.timeToFirstTokenMs = r.timeToFirstTokenSeconds * 1000.0;
    if (r.prefillSeconds > 0) out.stats.prefillTokensPerSecond = r.prefillTokensPerSecond();
    if (r.decodeSeconds > 0) out.stats.decodeTokensPerSecond = r.decodeTokensPerSecond();
    out.finishReason = QString::fromLatin1(ws::finishReasonName(r.finishReason));
    out.status = r.finishReason == ws::FinishReason::Cancelled ? MessageStatus::Stopped : MessageStatus::Complete;
    out.content = checkpointer.content();
    out.reasoning = checkpointer.reasoning();
    out.toolCalls = checkpointer.toolCalls();
    if (const ws::Status s = checkpointer.finish(out.status, out.stats); !s) {
        out.status = MessageStatus::Error;
        out.error = tr("The answer could not be saved: %1").arg(fromStd(s.message()));
    }
    return out;
}
