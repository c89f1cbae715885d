// The private interface between Model/Session and a compute backend. engine/backends.cpp is the one place that
// knows the implementations (cpu/, cuda/) and picks one; nothing here is specific to any of them.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "whalesong/model.h"
#include "whalesong/status.h"
#include "whalesong/tokenizer.h"

namespace ws::detail {

/// A backend's per-session state: its KV cache, in the backend's own element type and memory.
class BackendSession {
public:
    virtual ~BackendSession() = default;
    /// Runs `tokens` at positions [pos0, pos0 + n) (the cache holds exactly pos0 positions before). Writes the
    /// logits of every position, or of the last, into `logits`. On failure the cache holds pos0 positions.
    virtual Status prefill(std::span<const TokenId> tokens, int pos0, bool allLogits, std::vector<float>& logits) = 0;
    /// The most tokens a prefill call takes at once: Session runs longer prompts in chunks of this size.
    virtual int prefillChunk() const { return 512; }
    /// Asked between the layers of a prefill by a backend able to stop inside one (others finish the chunk):
    /// true abandons the chunk, prefill returning Cancelled with the cache as before. Empty: never.
    virtual void setInterrupt(std::function<bool()> interrupted) { (void)interrupted; }
    /// Forgets positions from n on.
    virtual void truncate(int n) = 0;
    /// Bytes the cache holds now (allocated, not only used).
    virtual std::size_t kvBytes() const = 0;
};

class BackendModel {
public:
    virtual ~BackendModel() = default;
    /// Name, device, KV cache element type and size per token, CPU threads used.
    virtual const BackendInfo& describe() const = 0;
    virtual Result<std::unique_ptr<BackendSession>> newSession(int contextLimit) const = 0;
    /// One decode step for several sessions of this model (distinct, each with room for one more position):
    /// sessions[i] runs tokens[i] at its next position; the weights are read once for the whole batch.
    /// logits: [B, vocab_size], row i for sessions[i]. On failure no session's cache has changed.
    virtual Status decodeBatch(std::span<BackendSession* const> sessions, std::span<const TokenId> tokens,
                               std::vector<float>& logits) const = 0;
    /// One decode step of one session: decodeBatch with B = 1.
    Status decode(BackendSession& session, TokenId token, std::vector<float>& logits) const {
        BackendSession* const one[] = {&session};
        return decodeBatch(one, std::span<const TokenId>(&token, 1), logits);
    }
};

} // namespace ws::detail
