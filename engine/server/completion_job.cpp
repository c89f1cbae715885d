// CompletionJob: the generation thread of one request and the OpenAI JSON built from its events.
#include "server/completion_job.h"

#include <random>

#include "server/tool_calls.h"
#include "tokenizer/utf8.h"
#include "whalesong/think_splitter.h"

namespace ws::server {
namespace {

using nlohmann::json;

std::string newCompletionId(const char* prefix) {
    static std::mutex mutex;
    static std::mt19937_64 rng{std::random_device{}()};
    std::lock_guard lock(mutex);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id = prefix;
    for (int i = 0; i < 24; ++i) id += kHex[rng() % 16];
    return id;
}

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f s", s);
    return buf;
}

} // namespace

json Usage::toJson() const {
    return json{{"prompt_tokens", promptTokens},
                {"completion_tokens", completionTokens},
                {"total_tokens", promptTokens + completionTokens},
                {"prompt_cache_hit_tokens", cacheHitTokens},
                {"prompt_cache_miss_tokens", promptTokens - cacheHitTokens},
                {"prompt_tokens_details", {{"cached_tokens", cacheHitTokens}}}};
}

CompletionJob::CompletionJob(ChatRequest request, std::vector<TokenId> prompt, std::shared_ptr<const Model> model,
                             std::string modelId, std::uint64_t ticket)
    : m_request(std::move(request)), m_prompt(std::move(prompt)), m_model(std::move(model)),
      m_modelId(std::move(modelId)), m_id(newCompletionId(m_request.text ? "cmpl-" : "chatcmpl-")),
      m_created(std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count()),
      m_ticket(ticket) {
    m_usage.promptTokens = m_prompt.size();
}

CompletionJob::~CompletionJob() {
    cancel("response ended");
    if (m_thread.joinable()) m_thread.join();
    if (m_onDestroyed) m_onDestroyed();
}

void CompletionJob::start(JobContext context) {
    m_onDestroyed = context.onDestroyed;
    m_thread = std::thread([this, context = std::move(context)]() mutable { run(context); });
}

void CompletionJob::cancel(const char* why) {
    {
        std::lock_guard lock(m_mutex);
        if (m_cancelReason.empty()) m_cancelReason = why;
    }
    m_stop.request_stop();
}

void CompletionJob::pushEnd(std::optional<ApiError> failure) {
    {
        std::lock_guard lock(m_mutex);
        if (failure) m_events.push_back(JobEvent::failed(std::move(*failure)));
        m_events.push_back(JobEvent::done());
    }
    m_cv.notify_all();
}

void CompletionJob::push(JobEvent event) {
    {
        std::lock_guard lock(m_mutex);
        m_events.push_back(std::move(event));
    }
    m_cv.notify_all();
}

std::vector<JobEvent> CompletionJob::take(std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, timeout, [&] { return !m_events.empty(); });
    std::vector<JobEvent> out(std::make_move_iterator(m_events.begin()), std::make_move_iterator(m_events.end()));
    m_events.clear();
    return out;
}

Usage CompletionJob::usage() const {
    std::lock_guard lock(m_mutex);
    return m_usage;
}

namespace {
ApiError shuttingDown() {
    return ApiError{.status = 503, .message = "The server is stopping; the answer was cut off.",
                    .type = "server_error", .param = "", .code = "server_shutting_down"};
}
} // namespace

void CompletionJob::run(JobContext& context) {
    // Nothing may escape the thread: an exception here would end the whole process (the app hosting the server).
    try {
        generateChoices(context);
    } catch (const std::exception& e) {
        pushEnd(ApiError{.status = 500, .message = std::string("Internal error: ") + e.what(), .type = "server_error",
                         .param = "", .code = "internal_error"});
    }
}

void CompletionJob::generateChoices(JobContext& context) {
    std::stop_callback onShutdown(context.shutdown, [this] { cancel("server stopping"); });
    const std::stop_token stop = m_stop.get_token();
    const auto log = [&](const std::string& line) {
        if (context.log) context.log(m_id + ": " + line);
    };
    const auto cancelledBecause = [&] {
        std::lock_guard lock(m_mutex);
        return m_cancelReason;
    };
    if (!context.admission.enter(m_ticket, stop)) {
        log("cancelled while waiting for a turn (" + cancelledBecause() + ")");
        pushEnd(context.shutdown.stop_requested() ? std::optional(shuttingDown()) : std::nullopt);
        return;
    }
    struct Leave {
        Admission& admission;
        ~Leave() { admission.leave(); }
    } leave{context.admission};
    const auto t0 = std::chrono::steady_clock::now();
    auto session = context.pool.acquire(m_model, m_prompt, SessionOptions{context.contextLimit});
    if (!session) {
        ApiError e{.status = 500, .message = "the engine could not open a session: " + session.status().message(),
                   .type = "server_error", .param = "", .code = "engine_error"};
        log("failed: " + e.message);
        pushEnd(e);
        return;
    }

    std::size_t generated = 0, cacheHit = 0;
    std::string outcome;
    std::optional<ApiError> failure;
    for (int i = 0; i < m_request.n; ++i) {
        SamplingParams params = m_request.sampling;
        params.seed += static_cast<std::uint64_t>(i);
        Sampler sampler(params);
        sampler.setPrompt(m_prompt);
        GenerateOptions options;
        options.maxTokens = m_request.maxTokens;
        options.stop = m_request.stop;
        options.stopToken = stop;
        options.turns = &context.turns;
        options.batcher = &context.batcher;
        std::optional<GrammarMatcher> constraint;
        if (m_request.grammar) {
            constraint.emplace(m_request.grammar, m_model->tokenVocabulary());
            options.constraint = &*constraint;
        }
        options.logprobs = m_request.logprobs;
        ThinkSplitter splitter(m_request.answerStartsInReasoning);
        const Tokenizer& tokenizer = m_model->tokenizer();
        // OpenAI's entry: {token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}
        const auto entry = [&](TokenId id, double logprob) {
            const std::string b = tokenizer.tokenBytes(id);
            json bytes = json::array();
            for (const char c : b) bytes.push_back(static_cast<unsigned char>(c));
            std::string text; // a piece of a UTF-8 character shows as U+FFFD; `bytes` has it exactly
            detail::appendRepairedUtf8(text, b);
            return json{{"token", std::move(text)}, {"logprob", logprob}, {"bytes", std::move(bytes)}};
        };
        std::optional<ToolCallParser> toolParser;
        if (m_request.toolsOffered()) toolParser.emplace();
        const auto deliver = [&](ThinkSplitter::Delta d, const TokenLogprobs* lp = nullptr, bool last = false) {
            json calls;
            if (toolParser) { // the answer's text goes through the tool-call parser
                ToolCallParser::Out o = toolParser->push(d.content);
                if (last) {
                    ToolCallParser::Out rest = toolParser->flush();
                    o.content += rest.content;
                    o.calls.insert(o.calls.end(), rest.calls.begin(), rest.calls.end());
                }
                d.content = std::move(o.content);
                for (const ToolCallParser::CallDelta& c : o.calls) {
                    json call = {{"index", c.index}};
                    if (!c.id.empty()) {
                        call["id"] = c.id;
                        call["type"] = "function";
                        call["function"] = {{"name", c.name}, {"arguments", c.arguments}};
                    } else {
                        call["function"] = {{"arguments", c.arguments}};
                    }
                    calls.push_back(std::move(call));
                }
            }
            if (d.content.empty() && d.reasoning.empty() && !lp && calls.is_null()) return;
            JobEvent e = JobEvent::delta(i, std::move(d.content), std::move(d.reasoning));
            e.toolCalls = std::move(calls);
            if (lp) {
                json top = json::array();
                for (const auto& [id, logprob] : lp->top) top.push_back(entry(id, logprob));
                json one = entry(lp->id, lp->logprob);
                one["top_logprobs"] = std::move(top);
                e.logprobs = json::array({std::move(one)});
            }
            push(std::move(e));
        };
        // A text completion: no <think> split, the prompt first when echoed, logprobs in the legacy shape.
        std::size_t offset = 0; ///< text_offset of the next token
        if (m_request.text && m_request.text->echo) {
            push(JobEvent::delta(i, m_request.text->prompt, ""));
            offset = m_request.text->prompt.size();
        }
        const auto textToken = [&](const TokenEvent& ev) {
            JobEvent e = JobEvent::delta(i, std::string(ev.text), "");
            if (ev.logprobs) {
                const TokenLogprobs& lp = *ev.logprobs;
                std::string token;
                detail::appendRepairedUtf8(token, tokenizer.tokenBytes(lp.id));
                json top = json::object();
                for (const auto& [id, logprob] : lp.top) {
                    std::string t;
                    detail::appendRepairedUtf8(t, tokenizer.tokenBytes(id));
                    if (!top.contains(t)) top[t] = logprob;
                }
                e.logprobs = {{"tokens", {token}},
                              {"token_logprobs", {lp.logprob}},
                              {"top_logprobs", json::array({std::move(top)})},
                              {"text_offset", {offset}}};
                offset += tokenizer.tokenBytes(lp.id).size();
            }
            if (!e.content.empty() || ev.logprobs) push(std::move(e));
        };
        auto result = generate(*session.value(), tokenizer, m_prompt, sampler, options, [&](const TokenEvent& ev) {
            if (m_request.text) textToken(ev);
            else deliver(splitter.push(ev.text), ev.logprobs);
        });
        if (!result) {
            failure = ApiError{.status = 500, .message = "the engine failed: " + result.status().message(),
                               .type = "server_error", .param = "", .code = "engine_error"};
            break;
        }
        if (!m_request.text) deliver(splitter.flush(), nullptr, true);
        if (i == 0) cacheHit = result.value().cachedTokens;
        generated += result.value().outputIds.size();
        {
            std::lock_guard lock(m_mutex);
            m_usage.completionTokens = generated;
            m_usage.cacheHitTokens = cacheHit;
        }
        if (result.value().finishReason == FinishReason::Cancelled) {
            outcome = "cancelled (" + cancelledBecause() + ")";
            // A client still connected must not take a cut-off answer for a whole one.
            if (context.shutdown.stop_requested()) failure = shuttingDown();
            break;
        }
        outcome = std::string("finish ") + finishReasonName(result.value().finishReason);
        JobEvent end = JobEvent::choiceEnd(i, result.value().finishReason);
        end.calledTools = toolParser && toolParser->calls() > 0;
        push(std::move(end));
    }
    // A failed session's cache is in an unknown state: it is dropped, not kept for reuse.
    const bool broken = failure && failure->code == "engine_error";
    context.pool.release(m_model, broken ? nullptr : std::move(session).value());

    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (failure && outcome.empty()) {
        log("failed: " + failure->message);
    } else {
        log(std::to_string(m_request.n) + " choice(s), prompt " + std::to_string(m_prompt.size()) + " tokens (" +
            std::to_string(cacheHit) + " cached), " + std::to_string(generated) + " generated, " + outcome + ", " +
            seconds(elapsed));
    }
    pushEnd(failure);
}

namespace {
/// finish_reason: "tool_calls" for an answer that ended normally after calling tools.
const char* finishName(FinishReason r, bool calledTools) {
    return calledTools && r == FinishReason::Stop ? "tool_calls" : finishReasonName(r);
}
} // namespace

CompletionBuilder::CompletionBuilder(int choices, bool logprobs)
    : m_choices(static_cast<std::size_t>(choices)), m_logprobs(logprobs) {}

bool CompletionBuilder::add(const JobEvent& event) {
    switch (event.kind) {
    case JobEvent::Kind::Delta:
        m_choices.at(static_cast<std::size_t>(event.index)).content += event.content;
        m_choices.at(static_cast<std::size_t>(event.index)).reasoning += event.reasoning;
        if (event.logprobs.is_array())
            for (const json& e : event.logprobs) m_choices.at(static_cast<std::size_t>(event.index)).logprobs.push_back(e);
        if (event.logprobs.is_object()) { // a text completion's: concatenate the lists
            json& l = m_choices.at(static_cast<std::size_t>(event.index)).logprobs;
            if (!l.is_object()) l = json::object();
            for (const auto& [k, v] : event.logprobs.items())
                for (const json& x : v) l[k].push_back(x);
        }
        if (event.toolCalls.is_array())
            for (const json& d : event.toolCalls) {
                json& calls = m_choices.at(static_cast<std::size_t>(event.index)).toolCalls;
                const auto k = d["index"].get<std::size_t>();
                if (k >= calls.size())
                    calls.push_back({{"id", d.value("id", "")},
                                     {"type", "function"},
                                     {"function", {{"name", d["function"].value("name", "")}, {"arguments", ""}}}});
                calls[k]["function"]["arguments"] =
                    calls[k]["function"]["arguments"].get<std::string>() + d["function"]["arguments"].get<std::string>();
            }
        return true;
    case JobEvent::Kind::ChoiceEnd:
        m_choices.at(static_cast<std::size_t>(event.index)).finish = event.finish;
        m_choices.at(static_cast<std::size_t>(event.index)).calledTools = event.calledTools;
        return true;
    case JobEvent::Kind::Failed:
        m_error = event.error;
        return false;
    case JobEvent::Kind::Done: return true;
    }
    return true;
}

json CompletionBuilder::completion(const CompletionJob& job) const {
    if (job.request().text) {
        json choices = json::array();
        for (std::size_t i = 0; i < m_choices.size(); ++i) {
            const Choice& c = m_choices[i];
            choices.push_back({{"text", c.content},
                               {"index", i},
                               {"logprobs", m_logprobs ? (c.logprobs.is_object() ? c.logprobs
                                                                                  : json{{"tokens", json::array()},
                                                                                         {"token_logprobs", json::array()},
                                                                                         {"top_logprobs", json::array()},
                                                                                         {"text_offset", json::array()}})
                                                       : json(nullptr)},
                               {"finish_reason", finishReasonName(c.finish)}});
        }
        return json{{"id", job.id()},
                    {"object", "text_completion"},
                    {"created", job.created()},
                    {"model", job.modelId()},
                    {"system_fingerprint", "whalesong"},
                    {"choices", std::move(choices)},
                    {"usage", job.usage().toJson()}};
    }
    json choices = json::array();
    for (std::size_t i = 0; i < m_choices.size(); ++i) {
        const Choice& c = m_choices[i];
        json message = {{"role", "assistant"}, {"content", c.content}};
        if (!c.reasoning.empty()) message["reasoning_content"] = c.reasoning;
        if (!c.toolCalls.empty()) {
            message["tool_calls"] = c.toolCalls;
            if (c.content.empty()) message["content"] = nullptr; // as OpenAI and DeepSeek answer a call
        }
        choices.push_back({{"index", i},
                           {"message", std::move(message)},
                           {"logprobs", m_logprobs ? json{{"content", c.logprobs}} : json(nullptr)},
                           {"finish_reason", finishName(c.finish, c.calledTools)}});
    }
    return json{{"id", job.id()},
                {"object", "chat.completion"},
                {"created", job.created()},
                {"model", job.modelId()},
                {"system_fingerprint", "whalesong"},
                {"choices", std::move(choices)},
                {"usage", job.usage().toJson()}};
}

json completionChunk(const CompletionJob& job, json choices) {
    json chunk = {{"id", job.id()},
                  {"object", job.request().text ? "text_completion" : "chat.completion.chunk"},
                  {"created", job.created()},
                  {"model", job.modelId()},
                  {"system_fingerprint", "whalesong"},
                  {"choices", std::move(choices)}};
    if (job.request().includeUsage) chunk["usage"] = nullptr;
    return chunk;
}

std::string sseForEvent(const CompletionJob& job, const JobEvent& event) {
    json choice;
    switch (event.kind) {
    case JobEvent::Kind::Delta: {
        if (job.request().text) {
            choice = {{"text", event.content},
                      {"index", event.index},
                      {"logprobs", event.logprobs.is_object() ? event.logprobs : json(nullptr)},
                      {"finish_reason", nullptr}};
            break;
        }
        json delta = json::object();
        if (!event.reasoning.empty()) delta["reasoning_content"] = event.reasoning;
        if (!event.content.empty()) delta["content"] = event.content;
        if (event.toolCalls.is_array()) delta["tool_calls"] = event.toolCalls;
        choice = {{"index", event.index},
                  {"delta", delta},
                  {"logprobs", event.logprobs.is_array() ? json{{"content", event.logprobs}} : json(nullptr)},
                  {"finish_reason", nullptr}};
        break;
    }
    case JobEvent::Kind::ChoiceEnd:
        if (job.request().text) {
            choice = {{"text", ""},
                      {"index", event.index},
                      {"logprobs", nullptr},
                      {"finish_reason", finishReasonName(event.finish)}};
            break;
        }
        choice = {{"index", event.index},
                  {"delta", json::object()},
                  {"logprobs", nullptr},
                  {"finish_reason", finishName(event.finish, event.calledTools)}};
        break;
    case JobEvent::Kind::Failed: return "data: " + event.error.body() + "\n\n";
    case JobEvent::Kind::Done: return {};
    }
    return "data: " + completionChunk(job, json::array({std::move(choice)})).dump() + "\n\n";
}

} // namespace ws::server
