// ThreadPool: workers spin briefly for the next job (decode steps are microseconds apart), then sleep.
#include "cpu/thread_pool.h"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ws::cpu {
namespace {
inline void cpuRelax() {
#if defined(__x86_64__)
    _mm_pause();
#endif
}
} // namespace

ThreadPool::ThreadPool(int threads) : m_nthreads(std::max(1, threads)) {
    for (int i = 1; i < m_nthreads; ++i) m_workers.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        m_generation.fetch_add(1);
    }
    m_cv.notify_all();
    for (auto& t : m_workers) t.join();
}

void ThreadPool::workerLoop(int index) {
    std::uint64_t seen = 0;
    for (;;) {
        // Spin for a while: the next parallel region usually follows within microseconds.
        std::uint64_t gen = m_generation.load(std::memory_order_acquire);
        for (int spin = 0; gen == seen && spin < 20000; ++spin) {
            cpuRelax();
            gen = m_generation.load(std::memory_order_acquire);
        }
        if (gen == seen) {
            std::unique_lock lock(m_mutex);
            m_cv.wait(lock, [&] { return m_generation.load(std::memory_order_acquire) != seen; });
            gen = m_generation.load(std::memory_order_acquire);
        }
        seen = gen;
        const std::function<void(int)>* job;
        {
            std::lock_guard lock(m_mutex);
            if (m_stop) return;
            job = m_job;
        }
        (*job)(index);
        m_pending.fetch_sub(1, std::memory_order_acq_rel);
    }
}

void ThreadPool::run(const std::function<void(int)>& fn) {
    if (m_nthreads == 1) {
        fn(0);
        return;
    }
    std::lock_guard runLock(m_runMutex);
    {
        std::lock_guard lock(m_mutex);
        m_job = &fn;
        m_pending.store(m_nthreads - 1, std::memory_order_release);
        m_generation.fetch_add(1, std::memory_order_acq_rel);
    }
    m_cv.notify_all();
    fn(0);
    while (m_pending.load(std::memory_order_acquire) != 0) cpuRelax();
}

void ThreadPool::parallelFor(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn) {
    if (n <= 0) return;
    const int nt = static_cast<int>(std::min<std::int64_t>(m_nthreads, n));
    if (nt == 1) {
        fn(0, n);
        return;
    }
    run([&](int t) {
        if (t >= nt) return;
        const std::int64_t b = n * t / nt, e = n * (t + 1) / nt;
        fn(b, e);
    });
}

} // namespace ws::cpu
