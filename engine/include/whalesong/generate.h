// generate(): the decode loop — prefill with prefix reuse, sample, detokenize safely, stop strings, limits.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "whalesong/grammar.h"
#include "whalesong/sampler.h"
#include "whalesong/session.h"
#include "whalesong/status.h"
#include "whalesong/tokenizer.h"
#include "whalesong/turn_taker.h"

namespace ws {

constexpr int kDefaultMaxTokens = 4096; ///< DeepSeek API's default answer length
constexpr int kMaxMaxTokens = 16384;    ///< and its maximum
constexpr int kMaxStopStrings = 4;

enum class FinishReason { Stop, Length, Cancelled };

/// "stop" | "length" | "cancelled"
const char* finishReasonName(FinishReason r);

/// Continuous batching for generations that run on threads of their own over one model: a decode step waits for
/// the batch under way, then every generation waiting runs in one Session::appendBatch (the weights read once for
/// all). The batch is formed when every generation that is decoding has asked, or after a short wait. Each batch
/// takes the model's turn (TurnTaker), so it alternates with prefill chunks. Thread-safe.
class DecodeBatcher {
public:
    explicit DecodeBatcher(TurnTaker* turns = nullptr, int maxBatch = 32);
    DecodeBatcher(const DecodeBatcher&) = delete;
    DecodeBatcher& operator=(const DecodeBatcher&) = delete;

    /// A generation in its decode phase (the batch waits for these): RAII.
    class Member {
    public:
        explicit Member(DecodeBatcher& b);
        ~Member();
        Member(const Member&) = delete;
        Member& operator=(const Member&) = delete;

    private:
        DecodeBatcher& m_b;
    };

    /// Appends `id` to `session` in the next batch; its logits. A batch that fails is retried one session at a
    /// time, so one bad request fails alone.
    Result<std::span<const float>> decode(Session& session, TokenId id);

private:
    struct Request;
    void run(const std::vector<Request*>& batch);

    TurnTaker* m_turns;
    std::size_t m_maxBatch;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::vector<Request*> m_waiting;
    std::vector<Request*> m_batch; ///< the batch under way (only its leader touches it)
    std::size_t m_decoding = 0;
    bool m_running = false;
};

struct GenerateOptions {
    int maxTokens = kDefaultMaxTokens;
    std::vector<std::string> stop; ///< at most 4; never streamed out
    bool ignoreEos = false;        ///< benchmarks only
    /// request_stop() ends generation after the current token, or during the prompt (between chunks, and on the
    /// CPU between layers; the prompt's chunks computed so far stay cached)
    std::stop_token stopToken;
    /// Shared by generations that should take turns on the model, one forward pass (a prompt piece of 1,024 tokens,
    /// 256 while another waits, or a decode step) at a time in the order they asked (not owned). Without it the
    /// prompt runs in the backend's whole chunks.
    TurnTaker* turns = nullptr;
    DecodeBatcher* batcher = nullptr; ///< decode steps batched with other generations' (not owned)
    /// Constrained decoding (not owned): only tokens the grammar allows are sampled (the sampling settings apply
    /// among them); generation ends when the grammar is complete and nothing more can follow, or on EOS, which the
    /// grammar allows only when the text is complete.
    GrammarMatcher* constraint = nullptr;
    int logprobs = -1; ///< -1: off; else each TokenEvent carries the token's log-probability and this many top ones
    /// Checks max_tokens (1..16384) and the stop list (≤ 4); the message names the field.
    Status validate() const;
};

/// One streamed step: the token and the text it released (may be empty while UTF-8 or a stop prefix is pending).
struct TokenEvent {
    TokenId id;
    std::string_view text;
    const TokenLogprobs* logprobs = nullptr; ///< with GenerateOptions::logprobs >= 0, for a sampled token
};

struct GenerateResult {
    std::vector<TokenId> outputIds;
    std::string text;
    FinishReason finishReason = FinishReason::Stop;
    std::size_t promptTokens = 0;
    std::size_t cachedTokens = 0; ///< prompt tokens reused from the session's cache
    double prefillSeconds = 0.0;
    double decodeSeconds = 0.0;
    double timeToFirstTokenSeconds = 0.0;
    std::size_t decodeSteps = 0; ///< forward passes of one token
    double constraintSeconds = 0.0; ///< computing the grammar's masks and advancing it (constrained decoding)
    double prefillTokensPerSecond() const;
    double decodeTokensPerSecond() const;
};

/// Runs `prompt` through `session` (reusing its cached prefix) and samples until EOS, a stop string, maxTokens,
/// the context limit, or cancellation. `onToken` is called on the calling thread for every token.
Result<GenerateResult> generate(Session& session, const Tokenizer& tokenizer, std::span<const TokenId> prompt,
                                Sampler& sampler, const GenerateOptions& options,
                                const std::function<void(const TokenEvent&)>& onToken = {});

} // namespace ws
