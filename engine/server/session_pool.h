// SessionPool: the API server's prefix cache — idle sessions (KV caches) kept after their requests, handed to the
// next request that shares the longest prefix with them, least recently used dropped beyond a memory budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "whalesong/model.h"

namespace ws::server {

/// Thread-safe.
class SessionPool {
public:
    SessionPool(std::size_t budgetBytes, int maxSessions);

    /// The idle session of `model` whose cache shares the longest prefix with `prompt`; a new one when none shares
    /// any token and there is room for another; else the least recently used one. The caller owns it until
    /// release().
    Result<std::unique_ptr<Session>> acquire(const std::shared_ptr<const Model>& model,
                                             std::span<const TokenId> prompt, const SessionOptions& options);
    /// Returns a session to the pool (dropped when it belongs to another model than setModel() gave), then
    /// drops least recently used sessions until the pool fits its budget.
    void release(const std::shared_ptr<const Model>& model, std::unique_ptr<Session> session);
    /// The model whose sessions are kept; drops every idle session.
    void setModel(std::shared_ptr<const Model> model);

    std::size_t idleSessions() const;
    std::size_t idleBytes() const;

private:
    struct Entry {
        std::shared_ptr<const Model> model;
        std::unique_ptr<Session> session;
        std::uint64_t lastUsed = 0;
    };
    void evictLocked();

    const std::size_t m_budget;
    const std::size_t m_maxSessions;
    mutable std::mutex m_mutex;
    std::shared_ptr<const Model> m_model;
    std::vector<Entry> m_idle;
    std::size_t m_inUse = 0;
    std::uint64_t m_clock = 0;
};

} // namespace ws::server
