// TurnTaker: a mutex granted in arrival order (a ticket lock) — threads that share one model or one thread pool
// take turns instead of one of them winning the race again and again.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace ws {

/// Lockable (std::lock_guard / std::unique_lock). Thread-safe.
class TurnTaker {
public:
    void lock() {
        std::unique_lock lock(m_mutex);
        const std::uint64_t ticket = m_next++;
        m_cv.wait(lock, [&] { return m_serving == ticket; });
    }
    /// Someone holds the model or waits for it (asked before lock(): would this caller wait?).
    bool busy() {
        std::lock_guard lock(m_mutex);
        return m_next != m_serving;
    }
    void unlock() {
        {
            std::lock_guard lock(m_mutex);
            ++m_serving;
        }
        m_cv.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::uint64_t m_next = 0;
    std::uint64_t m_serving = 0;
};

} // namespace ws
