// SessionPool: longest-prefix choice among idle KV caches, LRU eviction within a byte budget.
#include "server/session_pool.h"

#include <algorithm>

namespace ws::server {
namespace {

std::size_t commonPrefix(std::span<const TokenId> a, std::span<const TokenId> b) {
    const auto n = std::min(a.size(), b.size());
    std::size_t i = 0;
    while (i < n && a[i] == b[i]) ++i;
    return i;
}

} // namespace

SessionPool::SessionPool(std::size_t budgetBytes, int maxSessions)
    : m_budget(budgetBytes), m_maxSessions(static_cast<std::size_t>(std::max(1, maxSessions))) {}

Result<std::unique_ptr<Session>> SessionPool::acquire(const std::shared_ptr<const Model>& model,
                                                      std::span<const TokenId> prompt, const SessionOptions& options) {
    {
        std::lock_guard lock(m_mutex);
        std::erase_if(m_idle, [&](const Entry& e) { return e.model != model; });
        std::size_t best = m_idle.size(), bestLen = 0, lru = m_idle.size();
        for (std::size_t i = 0; i < m_idle.size(); ++i) {
            const std::size_t len = commonPrefix(m_idle[i].session->tokens(), prompt);
            if (len > bestLen || (len == bestLen && len > 0 && m_idle[i].lastUsed > m_idle[best].lastUsed)) {
                best = i;
                bestLen = len;
            }
            if (lru == m_idle.size() || m_idle[i].lastUsed < m_idle[lru].lastUsed) lru = i;
        }
        const bool room = m_idle.size() + m_inUse < m_maxSessions;
        const std::size_t pick = bestLen > 0 ? best : room ? m_idle.size() : lru;
        if (pick < m_idle.size()) {
            std::unique_ptr<Session> s = std::move(m_idle[pick].session);
            m_idle.erase(m_idle.begin() + static_cast<std::ptrdiff_t>(pick));
            ++m_inUse;
            return s;
        }
        ++m_inUse;
    }
    auto created = model->newSession(options);
    if (!created) {
        std::lock_guard lock(m_mutex);
        --m_inUse;
    }
    return created;
}

void SessionPool::release(const std::shared_ptr<const Model>& model, std::unique_ptr<Session> session) {
    std::lock_guard lock(m_mutex);
    if (m_inUse > 0) --m_inUse;
    if (!session) return;
    if (model != m_model) return; // the server moved on to another model meanwhile
    m_idle.push_back(Entry{model, std::move(session), ++m_clock});
    evictLocked();
}

void SessionPool::evictLocked() {
    const auto bytes = [&] {
        std::size_t b = 0;
        for (const Entry& e : m_idle) b += e.session->kvBytes();
        return b;
    };
    while (!m_idle.empty() && (m_idle.size() > m_maxSessions || bytes() > m_budget)) {
        const auto lru = std::min_element(m_idle.begin(), m_idle.end(),
                                          [](const Entry& a, const Entry& b) { return a.lastUsed < b.lastUsed; });
        m_idle.erase(lru);
    }
}

void SessionPool::setModel(std::shared_ptr<const Model> model) {
    std::lock_guard lock(m_mutex);
    m_idle.clear();
    m_model = std::move(model);
}

std::size_t SessionPool::idleSessions() const {
    std::lock_guard lock(m_mutex);
    return m_idle.size();
}

std::size_t SessionPool::idleBytes() const {
    std::lock_guard lock(m_mutex);
    std::size_t b = 0;
    for (const Entry& e : m_idle) b += e.session->kvBytes();
    return b;
}

} // namespace ws::server
