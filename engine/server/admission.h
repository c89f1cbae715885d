// Admission: at most `parallel` requests generate at once, at most `queue` wait for their turn in arrival order;
// beyond that a request is turned away at once (503) instead of piling up.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <stop_token>

namespace ws::server {

/// Thread-safe.
class Admission {
public:
    Admission(int parallel, int queue) : m_parallel(parallel), m_queue(queue) {}

    /// Takes a place in the line, or returns 0 when the line is full. Non-zero tickets must be passed to enter().
    std::uint64_t reserve() {
        std::lock_guard lock(m_mutex);
        if (m_active + static_cast<int>(m_line.size()) >= m_parallel + m_queue) return 0;
        m_line.push_back(++m_lastTicket);
        return m_lastTicket;
    }

    /// Waits for the ticket's turn. False when `stop` fired first (the place is given up).
    bool enter(std::uint64_t ticket, std::stop_token stop) {
        std::unique_lock lock(m_mutex);
        const bool turn =
            m_cv.wait(lock, stop, [&] { return m_line.front() == ticket && m_active < m_parallel; });
        if (turn) {
            m_line.pop_front();
            ++m_active;
        } else {
            std::erase(m_line, ticket);
        }
        lock.unlock();
        m_cv.notify_all();
        return turn;
    }

    /// Gives up a reserved place that will never enter() (the request failed before it could wait).
    void cancel(std::uint64_t ticket) {
        {
            std::lock_guard lock(m_mutex);
            std::erase(m_line, ticket);
        }
        m_cv.notify_all();
    }

    void leave() {
        {
            std::lock_guard lock(m_mutex);
            --m_active;
        }
        m_cv.notify_all();
    }

private:
    const int m_parallel;
    const int m_queue;
    std::mutex m_mutex;
    std::condition_variable_any m_cv;
    std::deque<std::uint64_t> m_line;
    std::uint64_t m_lastTicket = 0;
    int m_active = 0;
};

} // namespace ws::server
