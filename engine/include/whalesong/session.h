// Session: one conversation's KV cache over a Model, reusing the longest cached prefix of each request.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "whalesong/status.h"
#include "whalesong/tokenizer.h"

namespace ws {

namespace detail {
class BackendSession;
class BackendModel;
}

/// Not thread-safe: one caller at a time. Must not outlive its Model.
class Session {
public:
    /// prefillChunk: SessionOptions::prefillChunk (0: the backend's).
    Session(std::unique_ptr<detail::BackendSession> impl, const detail::BackendModel& model, int contextLimit,
            int vocabSize, int prefillChunk = 0);
    ~Session();

    int contextLimit() const { return m_contextLimit; }
    /// The tokens whose keys and values are cached, in order.
    std::span<const TokenId> tokens() const { return m_tokens; }

    /// Makes the cache hold exactly `sequence`: keeps the longest common prefix, computes only the rest, and
    /// returns the logits of the last position [vocab_size]. At least the last token is always computed.
    /// Fails (cache unchanged) on an empty sequence, an id outside the vocabulary, or a sequence longer than
    /// the context limit.
    Result<std::span<const float>> prefill(std::span<const TokenId> sequence);
    /// Appends tokens after the cache. Returns the logits of every new position ([n, vocab_size], row after row)
    /// when `allLogits`, else of the last one.
    Result<std::span<const float>> append(std::span<const TokenId> tokens, bool allLogits = false);
    /// One decode step for several sessions of the same model at once (continuous batching): sessions[i] appends
    /// tokens[i]. The weights are read once for all of them, so B answers cost little more than one where
    /// decoding is bound by memory bandwidth. Each session's logits are then in lastLogits(). Fails, changing no
    /// cache, when sessions repeat or belong to different models, one is full, or an id is outside the
    /// vocabulary (the message names the batch index). Each session must have one caller at a time, as always.
    static Status appendBatch(std::span<Session* const> sessions, std::span<const TokenId> tokens);
    /// The logits of the last prefill() / append() / appendBatch(): [vocab_size], or every row after
    /// append(…, allLogits = true).
    std::span<const float> lastLogits() const { return m_logits; }
    /// Drops cached positions from `n` on.
    void truncate(std::size_t n);
    /// How many tokens of the last prefill() came from the cache.
    std::size_t lastReused() const { return m_lastReused; }
    std::size_t kvBytes() const;
    /// The most prompt tokens one forward pass takes (the backend's, or less as SessionOptions asked; longer
    /// prompts run in chunks of this size).
    int prefillChunk() const;
    /// Asked between the chunks of prefill() / append() and, on the CPU, between the layers of each chunk: true
    /// stops there with Code::Cancelled, the chunks before it staying cached (a later prefill resumes from
    /// them), the one in progress dropped. Empty (the default): never. generate() sets it to its stop token.
    void setInterrupt(std::function<bool()> interrupted);

private:
    std::unique_ptr<detail::BackendSession> m_impl;
    const detail::BackendModel* m_model;
    int m_contextLimit;
    int m_vocabSize;
    int m_chunkCap; // SessionOptions::prefillChunk
    std::vector<TokenId> m_tokens;
    std::vector<float> m_logits;
    std::size_t m_lastReused = 0;
    std::function<bool()> m_interrupted;
};

} // namespace ws
