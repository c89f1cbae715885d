// CPU emulation of the CUDA execution model, so that the kernels' own .cu sources run (and are tested, under
// ASan, UBSan and TSan) on a machine without a GPU. Every CUDA thread of a block is a fiber of the launching
// host thread (its own stack; lane_switch.cpp switches, x86-64), run round-robin: __syncthreads / __syncwarp are
// barriers that switch to the next fiber until every thread has arrived, and a round in which no thread moves
// is a deadlock, reported. Under TSan (or off x86-64, or with WS_CUDA_EMU_HOST_THREADS) every CUDA thread is a
// host thread instead (kept in a pool across launches) and the barriers are std::barriers, so that TSan sees
// the threads race. Blocks run one after another; warp shuffles and votes go through a per-warp double buffer
// (one barrier each); __shared__ is a function-local static (one block runs at a time).
//
// Host pointers stand in for device memory. What it cannot show: timings, memory coalescing, bank conflicts,
// inline PTX / wgmma / cp.async / TMA (kernels keep those behind `#if __CUDA_ARCH__`), uninitialised reads of
// static __shared__ arrays (dynamic shared memory is poisoned with 0xFF, NaN, per block; static arrays are
// not). Launches are checked against the smallest limits of our targets (sm_86/89/120: 99 KiB opt-in dynamic
// shared memory, 48 KiB without cudaFuncSetAttribute). Launches are synchronous and, from several host
// threads, serialised.
#pragma once

#if !defined(WS_CUDA_EMU)
#error "cuda_emu.h is for -DWS_CUDA_EMU builds (g++ compiling the kernels' .cu sources as C++)"
#endif

#include <algorithm>
#include <barrier>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cuda_bf16.h> // host declarations, vector types and the host paths of the conversions only:
#include <cuda_fp16.h> // g++ does not define __CUDACC__ or __CUDA_ARCH__
#include <cuda_fp8.h>
#include <cuda_runtime.h>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

// The sanitizers in use: GCC's macros, or Clang's __has_feature.
#if defined(WS_CUDA_EMU_ASAN)
#define WS_CUDA_EMU_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define WS_CUDA_EMU_TSAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(WS_CUDA_EMU_ASAN)
#define WS_CUDA_EMU_ASAN 1
#endif
#if __has_feature(thread_sanitizer) && !defined(WS_CUDA_EMU_TSAN)
#define WS_CUDA_EMU_TSAN 1
#endif
#endif

#if defined(WS_CUDA_EMU_TSAN) || defined(WS_CUDA_EMU_HOST_THREADS) || !defined(__x86_64__)
#define WS_CUDA_EMU_THREADS 1
#else
#define WS_CUDA_EMU_THREADS 0
#include <sys/mman.h>
// lane_switch.cpp: stores the stack pointer in *save and switches to the stack at `load`.
extern "C" void ws_emu_switch(void** save, void* load);
extern "C" void ws_emu_lane_start();
#if defined(WS_CUDA_EMU_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#endif

#undef __global__
#undef __device__
#undef __host__
#undef __shared__
#undef __forceinline__
#undef __launch_bounds__
#define __global__
#define __device__
#define __host__
#define __shared__ static
#define __forceinline__ inline
#define __launch_bounds__(...)

namespace ws::cuda::emu {

inline void fail(const char* what) {
    std::fprintf(stderr, "cuda_emu: %s\n", what);
    std::abort(); // a GPU would fault: stop here, with the sanitizer's or the debugger's stack
}

#if WS_CUDA_EMU_THREADS
using Barrier = std::barrier<>;
#else
void yieldLane();
void noteProgress();

/// std::barrier's two calls for the fibers of one host thread: a waiting thread yields to the others.
class Barrier {
  public:
    explicit Barrier(std::ptrdiff_t expected) : m_expected(expected) {}
    void arrive_and_wait() {
        noteProgress();
        const std::uint64_t phase = m_phase;
        if (++m_arrived == m_expected) {
            complete();
            return;
        }
        while (m_phase == phase)
            yieldLane();
    }
    /// Arrives in this phase and leaves the barrier for the next ones (an exited thread).
    void arrive_and_drop() {
        noteProgress();
        --m_expected;
        if (m_arrived > 0 && m_arrived == m_expected) complete();
    }

  private:
    void complete() {
        m_arrived = 0;
        ++m_phase;
    }
    std::ptrdiff_t m_expected, m_arrived = 0;
    std::uint64_t m_phase = 0;
};
#endif

/// One warp: its barrier and two exchange buffers used alternately, so that a shuffle needs one barrier: the
/// buffer written by shuffle n+2 was last read in shuffle n, and every lane passed shuffle n+1's barrier
/// since.
struct Warp {
    explicit Warp(std::ptrdiff_t lanes) : size(static_cast<int>(lanes)), bar(lanes) {}
    int size;
    Barrier bar;
    std::uint64_t buf[2][32] = {};
};

struct Block {
    explicit Block(std::ptrdiff_t threads) : bar(threads) {}
    Barrier bar;
    std::vector<std::unique_ptr<Warp>> warps;
    std::vector<unsigned char> dynamicSmem;
};

struct ThreadState {
    Block* block = nullptr;
    Warp* warp = nullptr;
    int lane = 0;
    unsigned phase = 0; // which exchange buffer the next shuffle writes
};
inline thread_local ThreadState t_thread;

/// Publishes this lane's 64 bits to its warp and returns the buffer holding every lane's.
inline const std::uint64_t* exchange(std::uint64_t bits) {
    ThreadState& s = t_thread;
    std::uint64_t* buf = s.warp->buf[s.phase & 1u];
    ++s.phase;
    buf[s.lane] = bits;
    s.warp->bar.arrive_and_wait();
    return buf;
}

template <class T> std::uint64_t toBits(T v) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>);
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    return bits;
}
template <class T> T fromBits(std::uint64_t bits) {
    T v;
    std::memcpy(&v, &bits, sizeof(T));
    return v;
}

/// Reads lane `src` of the exchange, or the caller's own value when `src` is outside the warp (CUDA's rule
/// for a source lane outside the caller's width segment).
template <class T> T shuffle(T v, int src, bool valid) {
    const std::uint64_t* buf = exchange(toBits(v));
    if (!valid || src < 0 || src >= t_thread.warp->size)
        return v;
    return fromBits<T>(buf[src]);
}

inline std::mutex g_attrMutex;
inline std::map<std::uintptr_t, int> g_maxDynamicSmem;     // per kernel, as cudaFuncSetAttribute set it
inline thread_local cudaError_t g_lastError = cudaSuccess; // per host thread, as CUDA's

constexpr std::size_t kDefaultDynamicSmem = 48 * 1024;
constexpr std::size_t kMaxDynamicSmem =
    101376; // sm_86 / sm_89 / sm_120 opt-in limit (sm_80: 163 KiB, sm_90: 227 KiB)

inline cudaError_t funcSetAttribute(std::uintptr_t func, cudaFuncAttribute attr, int value) {
    if (attr != cudaFuncAttributeMaxDynamicSharedMemorySize)
        return cudaSuccess;
    if (value < 0 || static_cast<std::size_t>(value) > kMaxDynamicSmem)
        return g_lastError = cudaErrorInvalidValue;
    const std::lock_guard lock(g_attrMutex);
    g_maxDynamicSmem[func] = value;
    return cudaSuccess;
}

inline cudaError_t getLastError() {
    const cudaError_t e = g_lastError;
    g_lastError = cudaSuccess;
    return e;
}

inline void* dynamicSmem() { return t_thread.block->dynamicSmem.data(); }

} // namespace ws::cuda::emu

// The built-in variables: one copy per emulated thread.
inline thread_local uint3 threadIdx, blockIdx;
inline thread_local dim3 blockDim, gridDim;

inline void __syncthreads() { ws::cuda::emu::t_thread.block->bar.arrive_and_wait(); }
inline void __syncwarp(unsigned = 0xffffffffu) { ws::cuda::emu::t_thread.warp->bar.arrive_and_wait(); }

// Shuffles and votes: every live lane of the warp must take part (the mask is not checked).
template <class T> T __shfl_sync(unsigned, T v, int srcLane, int width = 32) {
    const int lane = ws::cuda::emu::t_thread.lane;
    return ws::cuda::emu::shuffle(v, (lane & ~(width - 1)) + (srcLane & (width - 1)), true);
}
template <class T> T __shfl_xor_sync(unsigned, T v, int laneMask, int width = 32) {
    const int lane = ws::cuda::emu::t_thread.lane, src = lane ^ laneMask;
    return ws::cuda::emu::shuffle(v, src, (src & ~(width - 1)) == (lane & ~(width - 1)));
}
template <class T> T __shfl_down_sync(unsigned, T v, unsigned delta, int width = 32) {
    const int lane = ws::cuda::emu::t_thread.lane, src = lane + static_cast<int>(delta);
    return ws::cuda::emu::shuffle(v, src, (src & ~(width - 1)) == (lane & ~(width - 1)));
}
inline unsigned __ballot_sync(unsigned, int predicate) {
    const std::uint64_t* buf = ws::cuda::emu::exchange(predicate != 0);
    unsigned mask = 0;
    for (int l = 0; l < ws::cuda::emu::t_thread.warp->size; ++l)
        mask |= buf[l] ? 1u << l : 0u;
    return mask;
}
inline int __any_sync(unsigned m, int predicate) { return __ballot_sync(m, predicate) != 0; }
inline int __all_sync(unsigned m, int predicate) {
    const int n = ws::cuda::emu::t_thread.warp->size;
    return __ballot_sync(m, predicate) == (n == 32 ? 0xffffffffu : (1u << n) - 1u);
}

// Loads: a misaligned vector load faults on a GPU, so it aborts here too.
template <class T> T __ldg(const T* p) {
    if (reinterpret_cast<std::uintptr_t>(p) % alignof(T) != 0)
        ws::cuda::emu::fail("misaligned global load");
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}
template <class T> T __ldcs(const T* p) { return __ldg(p); }

inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline float __uint_as_float(unsigned u) { return ws::cuda::emu::fromBits<float>(u); }
inline unsigned __float_as_uint(float f) { return static_cast<unsigned>(ws::cuda::emu::toBits(f)); }
inline float __int_as_float(int i) { return ws::cuda::emu::fromBits<float>(static_cast<std::uint32_t>(i)); }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
using std::max; // CUDA's device min / max overloads
using std::min;

#define cudaGetLastError() (::ws::cuda::emu::getLastError())
#define cudaFuncSetAttribute(func, attr, value)                                                              \
    (::ws::cuda::emu::funcSetAttribute(reinterpret_cast<std::uintptr_t>(func), (attr), (value)))

namespace ws::cuda::emu {

#if WS_CUDA_EMU_THREADS
/// Host threads kept across launches (creating blockDim threads per launch dominated the emulator's time).
/// run() is serialised: launches from several host threads take turns, so one block runs at a time in the
/// whole process, which static __shared__ arrays rely on.
class WorkerPool {
  public:
    static WorkerPool& instance() {
        static WorkerPool pool;
        return pool;
    }
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;
    ~WorkerPool() {
        {
            const std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        for (std::thread& t : m_threads)
            t.join();
    }

    /// Calls body(t) for t < n, each on its own pool thread, and returns when all have returned.
    void run(int n, const std::function<void(int)>& body) {
        const std::lock_guard serial(m_launchMutex);
        std::unique_lock lock(m_mutex);
        while (static_cast<int>(m_threads.size()) < n) {
            const int id = static_cast<int>(m_threads.size());
            m_threads.emplace_back([this, id] { work(id); });
        }
        m_body = &body;
        m_active = n;
        m_remaining = n;
        ++m_generation;
        m_wake.notify_all();
        m_done.wait(lock, [this] { return m_remaining == 0; });
        m_body = nullptr;
    }

  private:
    WorkerPool() = default;

    void work(int id) {
        std::uint64_t seen = 0;
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
            if (m_stop)
                return;
            seen = m_generation;
            if (id >= m_active)
                continue;
            const std::function<void(int)>* body = m_body;
            lock.unlock();
            (*body)(id);
            lock.lock();
            if (--m_remaining == 0)
                m_done.notify_one();
        }
    }

    std::mutex m_launchMutex;
    std::mutex m_mutex; // guards the members below
    std::condition_variable m_wake, m_done;
    std::vector<std::thread> m_threads;
    const std::function<void(int)>* m_body = nullptr;
    std::uint64_t m_generation = 0;
    int m_active = 0;
    int m_remaining = 0;
    bool m_stop = false;
};
#else
/// The fibers of one host thread, kept across launches: lane t runs body(t) on its own stack; run() resumes the
/// unfinished lanes in turn until all have returned. A lane yields only inside a barrier, so a round in which
/// no lane arrives at a barrier or returns is a deadlock.
class Lanes {
  public:
    static Lanes& local() {
        thread_local Lanes lanes;
        return lanes;
    }
    Lanes(const Lanes&) = delete;
    Lanes& operator=(const Lanes&) = delete;
    ~Lanes() {
        for (Lane& l : m_lanes) {
#if defined(WS_CUDA_EMU_ASAN)
            ASAN_UNPOISON_MEMORY_REGION(l.stack, kStack); // frames of suspended lanes
#endif
            munmap(l.stack - kGuard, kStack + kGuard);
        }
    }

    void run(int n, const std::function<void(int)>& body) {
        while (static_cast<int>(m_lanes.size()) < n)
            addLane();
        m_body = &body;
        for (int t = 0; t < n; ++t)
            m_lanes[static_cast<std::size_t>(t)].done = false;
        for (int live = n; live > 0;) {
            const std::uint64_t before = m_progress;
            for (int t = 0; t < n; ++t) {
                Lane& l = m_lanes[static_cast<std::size_t>(t)];
                if (l.done) continue;
                t_thread = l.state;
                ::threadIdx = l.threadIdx;
                m_current = t;
                enter(l);
                l.state = t_thread;
                l.threadIdx = ::threadIdx;
                if (l.done) --live;
            }
            if (live > 0 && m_progress == before)
                fail("deadlock: a barrier (__syncthreads, __syncwarp, a shuffle or a vote) that some threads of "
                     "the block never reach");
        }
        m_body = nullptr;
        t_thread = ThreadState{};
    }

    /// From a lane: back to run(), which resumes the lane in its next round.
    void yield() {
        Lane& l = m_lanes[static_cast<std::size_t>(m_current)];
#if defined(WS_CUDA_EMU_ASAN)
        __sanitizer_start_switch_fiber(&l.fakeStack, m_hostBottom, m_hostSize);
#endif
        ws_emu_switch(&l.sp, m_hostSp);
#if defined(WS_CUDA_EMU_ASAN)
        __sanitizer_finish_switch_fiber(l.fakeStack, &m_hostBottom, &m_hostSize);
#endif
    }

    std::uint64_t m_progress = 0; // barrier arrivals and returns, for the deadlock check

  private:
    // A guard of 64 KiB below each stack: an overflowing frame faults there rather than writing into the next
    // lane's stack (frames up to that size; the kernels' are far smaller).
    static constexpr std::size_t kStack = 256 * 1024, kGuard = 64 * 1024;
    struct Lane {
        char* stack = nullptr;
        void* sp = nullptr; // saved by ws_emu_switch while the lane is suspended
        void* fakeStack = nullptr;
        bool done = true;
        ThreadState state;
        uint3 threadIdx{};
    };
    Lanes() { m_lanes.reserve(1024); } // never moved: suspended lanes hold references to their Lane

    static void laneMain(long id) {
        Lanes& self = local();
#if defined(WS_CUDA_EMU_ASAN)
        __sanitizer_finish_switch_fiber(nullptr, &self.m_hostBottom, &self.m_hostSize);
#endif
        for (;;) {
            (*self.m_body)(static_cast<int>(id));
            self.m_lanes[static_cast<std::size_t>(id)].done = true;
            ++self.m_progress;
            self.yield();
        }
    }

    void addLane() {
        void* map = mmap(nullptr, kStack + kGuard, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
                         -1, 0);
        if (map == MAP_FAILED) fail("no memory for a thread's stack");
        if (mprotect(map, kGuard, PROT_NONE) != 0) fail("cannot protect a thread's stack guard");
        Lane& l = m_lanes.emplace_back();
        l.stack = static_cast<char*>(map) + kGuard;
        // What ws_emu_switch pops, from the lowest address: MXCSR and the x87 control word (their defaults),
        // r15, r14, r13 (laneMain), r12 (the lane's index), rbx, rbp (0: the end of a frame-pointer walk), and the
        // address it returns to, ws_emu_lane_start, after which the stack pointer is 16-byte aligned.
        auto* top = reinterpret_cast<std::uint64_t*>(l.stack + kStack);
        std::uint64_t* sp = top - 8;
        sp[0] = 0x1F80u | (std::uint64_t{0x037Fu} << 32);
        sp[1] = 0;                                                // r15
        sp[2] = 0;                                                // r14
        sp[3] = reinterpret_cast<std::uint64_t>(&Lanes::laneMain); // r13
        sp[4] = m_lanes.size() - 1;                               // r12
        sp[5] = 0;                                                // rbx
        sp[6] = 0;                                                // rbp
        sp[7] = reinterpret_cast<std::uint64_t>(&ws_emu_lane_start);
        l.sp = sp;
    }

    void enter(Lane& l) {
#if defined(WS_CUDA_EMU_ASAN)
        void* fake = nullptr;
        __sanitizer_start_switch_fiber(&fake, l.stack, kStack);
#endif
        ws_emu_switch(&m_hostSp, l.sp);
#if defined(WS_CUDA_EMU_ASAN)
        __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
    }

    std::vector<Lane> m_lanes;
    void* m_hostSp = nullptr;
    const std::function<void(int)>* m_body = nullptr;
    int m_current = 0;
    const void* m_hostBottom = nullptr;
    std::size_t m_hostSize = 0;
};

inline void yieldLane() { Lanes::local().yield(); }
inline void noteProgress() { ++Lanes::local().m_progress; }

/// Launches from several host threads take turns: one block runs at a time in the whole process, which static
/// __shared__ arrays rely on.
inline std::mutex g_launchMutex;
#endif

/// Runs `kernel` over the grid, synchronously, the blocks one after another: blockDim lanes (fibers, or pool
/// threads with a launch-wide barrier between blocks), each block with fresh barriers and poisoned dynamic shared
/// memory. A thread that returns leaves its block's and warp's barriers, as an exited CUDA thread does.
template <class... P, class... A>
cudaError_t launch(void (*kernel)(P...), dim3 grid, dim3 block, std::size_t smem, cudaStream_t, A&&... args) {
    const unsigned long long threads = 1ull * block.x * block.y * block.z;
    const unsigned long long blocks = 1ull * grid.x * grid.y * grid.z;
    if (threads == 0 || threads > 1024 || block.x > 1024 || block.y > 1024 || block.z > 64 || blocks == 0 ||
        grid.x > 0x7fffffffu || grid.y > 65535 || grid.z > 65535)
        return g_lastError = cudaErrorInvalidConfiguration;
    std::size_t smemLimit = kDefaultDynamicSmem;
    {
        const std::lock_guard lock(g_attrMutex);
        if (const auto it = g_maxDynamicSmem.find(reinterpret_cast<std::uintptr_t>(kernel));
            it != g_maxDynamicSmem.end())
            smemLimit = std::max(smemLimit, static_cast<std::size_t>(it->second));
    }
    if (smem > smemLimit)
        return g_lastError = cudaErrorInvalidValue;

    const auto n = static_cast<int>(threads);
    std::unique_ptr<Block> current;
    const auto freshBlock = [&] {
        current = std::make_unique<Block>(n);
        for (int w = 0; w < (n + 31) / 32; ++w)
            current->warps.push_back(std::make_unique<Warp>(std::min(32, n - 32 * w)));
        current->dynamicSmem.assign(smem + 16, 0xFF);
    };
    const auto runBlock = [&](int t, unsigned long long i) {
        ::threadIdx = uint3{t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
        blockDim = block;
        gridDim = grid;
        ThreadState& s = t_thread;
        s.block = current.get();
        s.warp = s.block->warps[static_cast<std::size_t>(t / 32)].get();
        s.lane = t % 32;
        s.phase = 0;
        blockIdx = uint3{static_cast<unsigned>(i % grid.x), static_cast<unsigned>(i / grid.x % grid.y),
                         static_cast<unsigned>(i / (1ull * grid.x * grid.y))};
        kernel(args...);
        t_thread.warp->bar.arrive_and_drop();
        t_thread.block->bar.arrive_and_drop();
    };
#if WS_CUDA_EMU_THREADS
    freshBlock();
    std::barrier<> between(n);
    WorkerPool::instance().run(n, [&](int t) {
        for (unsigned long long i = 0; i < blocks; ++i) {
            between.arrive_and_wait(); // `current` is ready
            runBlock(t, i);
            between.arrive_and_wait(); // every thread has left the block
            if (t == 0 && i + 1 < blocks)
                freshBlock();
        }
        t_thread = ThreadState{};
    });
#else
    const std::lock_guard serial(g_launchMutex);
    unsigned long long i = 0;
    const std::function<void(int)> body = [&](int t) { runBlock(t, i); };
    for (; i < blocks; ++i) {
        freshBlock();
        Lanes::local().run(n, body);
    }
#endif
    return cudaSuccess;
}

} // namespace ws::cuda::emu
