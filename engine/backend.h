// The private interface between Model/Session and a compute backend (CPU now, CUDA later).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "whalesong/status.h"
#include "whalesong/tokenizer.h"

namespace ws::detail {

/// A backend's per-session state: its KV cache.
class BackendSession {
public:
    virtual ~BackendSession() = default;
    /// Runs `tokens` at positions [pos0, pos0 + n) (the cache holds exactly pos0 positions before). Writes the
    /// logits of every position, or of the last, into `logits`.
    virtual Status forward(std::span<const TokenId> tokens, int pos0, bool allLogits, std::vector<float>& logits) = 0;
    /// Forgets positions from n on.
    virtual void truncate(int n) = 0;
    virtual std::size_t kvBytes() const = 0;
};

class BackendModel {
public:
    virtual ~BackendModel() = default;
    virtual std::string name() const = 0;
    virtual int threads() const = 0;
    virtual Result<std::unique_ptr<BackendSession>> newSession(int contextLimit) const = 0;
    /// One decode step for several sessions of this model (distinct, each with room for one more position):
    /// sessions[i] runs tokens[i] at its next position; the weights are read once for the whole batch.
    /// logits: [B, vocab_size], row i for sessions[i]. On failure no session's cache has changed.
    virtual Status decodeBatch(std::span<BackendSession* const> sessions, std::span<const TokenId> tokens,
                               std::vector<float>& logits) const = 0;
};

} // namespace ws::detail
