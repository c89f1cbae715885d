// Sampler: OpenAI/DeepSeek-style sampling parameters over a row of logits, and stop-string matching.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "whalesong/status.h"
#include "whalesong/tokenizer.h"

namespace ws {

/// The knobs of /v1/chat/completions (plus top_k, min_p, repetition_penalty as llama.cpp and vLLM offer them).
struct SamplingParams {
    float temperature = 1.0f;       ///< 0..2; 0 = greedy (argmax)
    float top_p = 1.0f;             ///< (0, 1]
    int top_k = 0;                  ///< 0 = off
    float min_p = 0.0f;             ///< [0, 1); 0 = off
    float presence_penalty = 0.0f;  ///< -2..2, on tokens generated so far
    float frequency_penalty = 0.0f; ///< -2..2, times the count of each generated token
    float repetition_penalty = 1.0f;///< (0, 2]; 1 = off; on prompt and generated tokens (CTRL / HF semantics)
    std::uint64_t seed = 0;         ///< same seed, same parameters, same logits → same tokens

    /// Checks every range above; the message names the field ("temperature must be in [0, 2], got 3").
    Status validate() const;
};

/// Log-probabilities of one sampled token: its own and the `top` most likely ones (logprobs / top_logprobs).
struct TokenLogprobs {
    TokenId id = 0;
    double logprob = 0.0;
    std::vector<std::pair<TokenId, double>> top; ///< most likely first (ties: lower id first)
};

/// Picks the next token. Not thread-safe; one per generation.
class Sampler {
public:
    explicit Sampler(const SamplingParams& params);
    /// Tokens of the prompt (they count for repetition_penalty only).
    void setPrompt(std::span<const TokenId> prompt);
    /// Picks a token from `logits` (modified in place: penalties, masks). Deterministic for a given seed.
    /// NaN and -inf logits are never sampled; if nothing else is left it falls back to greedy: the
    /// lowest-id -inf token, or 0 when every logit is NaN.
    TokenId sample(std::span<float> logits);
    /// The log-probabilities of the distribution sample() drew `chosen` from: the logits as sample() left them
    /// (penalties applied, masked tokens at -inf) divided by the temperature (1 when greedy), before top_k, top_p and
    /// min_p cut it. A token that could not be drawn gets -9999 (OpenAI's stand-in for -inf).
    TokenLogprobs logprobs(std::span<const float> logits, TokenId chosen, int top) const;
    /// Records a generated token (for the penalties). sample() does not call it: the caller does.
    void accept(TokenId id);
    const SamplingParams& params() const { return m_params; }

private:
    SamplingParams m_params;
    std::mt19937_64 m_rng;
    std::unordered_map<TokenId, int> m_generatedCounts;
    std::vector<TokenId> m_promptTokens;                ///< sorted, unique
    std::vector<std::pair<double, TokenId>> m_scratch; ///< candidates: scaled logit, then weight
    std::vector<std::pair<double, TokenId>> m_select;  ///< top_p working copy

    void applyPenalties(std::span<float> logits) const;
    std::pair<double, TokenId> nucleusBoundary(double target);
};

/// Holds back text that may be the start of a stop string, so a stop string is never streamed out.
class StopMatcher {
public:
    explicit StopMatcher(std::vector<std::string> stops);
    struct Step {
        std::string safe;   ///< text now safe to show
        bool stopped = false; ///< a stop string was found; `safe` ends just before it
    };
    /// Feeds a text delta.
    Step push(std::string_view delta);
    /// End of generation without a stop: releases what was held back.
    std::string flush();

private:
    std::vector<std::string> m_stops;
    std::string m_held;
    std::size_t m_maxStopLen = 0;
    bool m_stopped = false;
};

} // namespace ws
