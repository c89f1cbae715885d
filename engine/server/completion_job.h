// CompletionJob: one chat completion generated on its own thread (wait for a turn, take a cached session, sample
// each choice, split <think> into reasoning_content) and handed to the HTTP thread as events; plus the JSON of
// OpenAI's chat.completion / chat.completion.chunk objects built from those events.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/admission.h"
#include "server/chat_request.h"
#include "server/session_pool.h"
#include "whalesong/generate.h"
#include "whalesong/model.h"

namespace ws::server {

struct JobEvent {
    enum class Kind { Delta, ChoiceEnd, Failed, Done };
    Kind kind = Kind::Delta;
    int index = 0;         ///< choice
    std::string content;   ///< Delta
    std::string reasoning; ///< Delta: text inside <think> … </think>
    nlohmann::json logprobs;    ///< Delta: the entries of logprobs.content for its tokens (null when not asked)
    nlohmann::json toolCalls;   ///< Delta: OpenAI's delta.tool_calls entries (null when none)
    bool calledTools = false;   ///< ChoiceEnd: the choice made tool calls (finish_reason "tool_calls")
    FinishReason finish = FinishReason::Stop; ///< ChoiceEnd
    ApiError error;        ///< Failed

    static JobEvent delta(int index, std::string content, std::string reasoning) {
        JobEvent e;
        e.index = index;
        e.content = std::move(content);
        e.reasoning = std::move(reasoning);
        return e;
    }
    static JobEvent choiceEnd(int index, FinishReason finish) {
        JobEvent e;
        e.kind = Kind::ChoiceEnd;
        e.index = index;
        e.finish = finish;
        return e;
    }
    static JobEvent failed(ApiError error) {
        JobEvent e;
        e.kind = Kind::Failed;
        e.error = std::move(error);
        return e;
    }
    static JobEvent done() {
        JobEvent e;
        e.kind = Kind::Done;
        return e;
    }
};

struct Usage {
    std::size_t promptTokens = 0;
    std::size_t completionTokens = 0;
    std::size_t cacheHitTokens = 0;
    nlohmann::json toJson() const;
};

/// What a job needs from its server; outlives every job.
struct JobContext {
    SessionPool& pool;
    Admission& admission;
    TurnTaker& turns;
    DecodeBatcher& batcher;
    std::stop_token shutdown;
    int contextLimit = 0;
    std::function<void(const std::string&)> log;
    std::function<void()> onDestroyed; ///< the job is over: joined, its response written or abandoned
};

/// Created by the HTTP handler after the request was checked; destroyed (cancelling and joining) when its
/// response is over, whether the client read it all or went away.
class CompletionJob {
public:
    CompletionJob(ChatRequest request, std::vector<TokenId> prompt, std::shared_ptr<const Model> model,
                  std::string modelId, std::uint64_t ticket);
    ~CompletionJob();
    CompletionJob(const CompletionJob&) = delete;
    CompletionJob& operator=(const CompletionJob&) = delete;

    void start(JobContext context);
    /// The client is gone: generation stops after the current step.
    void cancel(const char* why);
    /// Waits up to `timeout` for events and takes them all (empty on timeout).
    std::vector<JobEvent> take(std::chrono::milliseconds timeout);

    const ChatRequest& request() const { return m_request; }
    const std::string& id() const { return m_id; }
    const std::string& modelId() const { return m_modelId; }
    std::int64_t created() const { return m_created; }
    Usage usage() const;

private:
    void run(JobContext& context);
    void generateChoices(JobContext& context);
    void push(JobEvent event);
    void pushEnd(std::optional<ApiError> failure); ///< Failed (if any) and Done together

    ChatRequest m_request;
    std::vector<TokenId> m_prompt;
    std::shared_ptr<const Model> m_model;
    std::string m_modelId;
    std::string m_id;
    std::int64_t m_created;
    std::uint64_t m_ticket;
    std::function<void()> m_onDestroyed;
    std::stop_source m_stop;
    std::string m_cancelReason;

    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<JobEvent> m_events;
    Usage m_usage;
    std::thread m_thread;
};

/// Accumulates a job's events into the non-streaming chat.completion object.
class CompletionBuilder {
public:
    CompletionBuilder(int choices, bool logprobs);
    /// Applies an event; returns false for Failed (then error() says why).
    bool add(const JobEvent& event);
    nlohmann::json completion(const CompletionJob& job) const;
    const ApiError& error() const { return m_error; }

private:
    struct Choice {
        std::string content;
        std::string reasoning;
        nlohmann::json logprobs = nlohmann::json::array();
        nlohmann::json toolCalls = nlohmann::json::array(); ///< {id, type, function: {name, arguments}}
        FinishReason finish = FinishReason::Stop;
        bool calledTools = false;
    };
    std::vector<Choice> m_choices;
    ApiError m_error;
    bool m_logprobs = false;
};

/// One chat.completion.chunk (usage: null when the client asked for a usage chunk, as OpenAI does).
nlohmann::json completionChunk(const CompletionJob& job, nlohmann::json choices);
/// The SSE bytes of the events: "data: {chunk}\n\n" per delta / end; Failed → an error event.
std::string sseForEvent(const CompletionJob& job, const JobEvent& event);

} // namespace ws::server
