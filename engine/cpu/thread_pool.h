// ThreadPool: a fixed set of workers that split a range of work items with the calling thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "whalesong/turn_taker.h"

namespace ws::cpu {

/// run() is serialised by an internal FIFO lock, so several sessions may share one pool and take turns.
class ThreadPool {
public:
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return m_nthreads; }
    /// Calls fn(thread_index) on every thread (the caller is thread 0) and waits for all.
    void run(const std::function<void(int)>& fn);
    /// Splits [0, n) in contiguous chunks, one per thread: fn(begin, end).
    void parallelFor(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn);

private:
    void workerLoop(int index);

    int m_nthreads;
    std::vector<std::thread> m_workers;
    TurnTaker m_runMutex; ///< sessions sharing the pool take turns
    std::mutex m_mutex;
    std::condition_variable m_cv;
    const std::function<void(int)>* m_job = nullptr;
    std::atomic<std::uint64_t> m_generation{0};
    std::atomic<int> m_pending{0};
    bool m_stop = false;
};

} // namespace ws::cpu
