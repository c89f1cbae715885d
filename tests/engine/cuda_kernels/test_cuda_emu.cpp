// The CUDA emulator itself (engine/cuda/emu/cuda_emu.h), in both of its ways to run a block: fibers of one host
// thread (cuda_emu_selftest) and a host thread per CUDA thread (cuda_emu_selftest_threads, the TSan build's way).
// Barriers order shared-memory writes before reads, shuffles and votes give CUDA's results (partial warps and
// widths too), threads that return leave their barriers, blocks see their own indices and fresh dynamic shared
// memory, lanes keep their own state across switches (deep recursion and floating-point registers included),
// launches from two host threads are serialised, and a barrier some threads never reach is reported as a deadlock
// (fibers only: host threads would wait forever).
#include "cuda/emu/cuda_emu.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {

int g_failures = 0;

void check(bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
    if (!ok) ++g_failures;
}

// Each thread writes its index to shared memory; after the barrier it reads its neighbour's, then, after another
// barrier, the neighbour overwrites its own slot: a missing or early barrier shows as a wrong value.
void rotateKernel(int* out, int rounds) {
    __shared__ int slot[1024];
    const int t = static_cast<int>(threadIdx.x), n = static_cast<int>(blockDim.x);
    int v = t + 1000 * static_cast<int>(blockIdx.x);
    for (int r = 0; r < rounds; ++r) {
        slot[t] = v;
        __syncthreads();
        v = slot[(t + 1) % n];
        __syncthreads();
    }
    out[blockIdx.x * blockDim.x + threadIdx.x] = v;
}

// Shuffles and votes over a block of 48 threads: a full warp and a partial one of 16.
void warpKernel(float* sums, int* down, unsigned* ballots, int* any, int* all, int* width8) {
    const int t = static_cast<int>(threadIdx.x), lane = t % 32;
    float s = static_cast<float>(t);
    for (int m = 16; m >= 1; m /= 2)
        s += __shfl_xor_sync(0xffffffffu, s, m);
    sums[t] = s;
    down[t] = __shfl_down_sync(0xffffffffu, t, 3);
    ballots[t] = __ballot_sync(0xffffffffu, lane % 3 == 0);
    any[t] = __any_sync(0xffffffffu, t == 40);
    all[t] = __all_sync(0xffffffffu, t < 40);
    width8[t] = __shfl_sync(0xffffffffu, t, 5, 8); // lane 5 of each group of 8
}

// Threads from 48 on return at once (half of the second warp among them); the rest meet at two barriers and a
// warp shuffle.
void earlyExitKernel(int* out) {
    __shared__ int slot[256];
    const int t = static_cast<int>(threadIdx.x);
    if (t >= 48) return;
    slot[t] = t * t;
    __syncthreads();
    const int v = slot[47 - t] + __shfl_xor_sync(0xffffffffu, t, 1);
    __syncthreads();
    out[t] = v;
}

// Dynamic shared memory: fresh (0xFF bytes) in every block, whatever the block before wrote.
void dynamicSmemKernel(int* fresh) {
    auto* smem = static_cast<unsigned char*>(ws::cuda::emu::dynamicSmem());
    const int t = static_cast<int>(threadIdx.x);
    fresh[blockIdx.y * gridDim.x * blockDim.x + blockIdx.x * blockDim.x + threadIdx.x] = smem[t] == 0xFF;
    __syncthreads();
    smem[t] = 0;
}

// A recursion 200 frames deep with a barrier at the bottom, and float state across the switch.
int deep(int depth, float* acc) {
    volatile char pad[256];
    pad[depth % 256] = static_cast<char>(depth);
    if (depth == 0) {
        __syncthreads();
        return pad[0];
    }
    *acc = std::fma(*acc, 1.0001f, static_cast<float>(depth));
    return deep(depth - 1, acc) + pad[depth % 256];
}
void deepKernel(float* out) {
    float acc = static_cast<float>(threadIdx.x);
    const int r = deep(200, &acc);
    out[threadIdx.x] = acc + static_cast<float>(r);
}

float deepReference(int t) {
    float acc = static_cast<float>(t);
    int r = 0;
    for (int d = 200; d >= 1; --d) {
        acc = std::fma(acc, 1.0001f, static_cast<float>(d));
        r += static_cast<char>(d);
    }
    return acc + static_cast<float>(r);
}

#if !WS_CUDA_EMU_THREADS
// Threads 0..15 wait at __syncthreads, 16..31 at __syncwarp: neither barrier can complete.
void deadlockKernel() {
    if (threadIdx.x < 16)
        __syncthreads();
    else
        __syncwarp();
}
#endif

} // namespace

int main() {
    using ws::cuda::emu::launch;
    {
        const int blocks = 3, threads = 100, rounds = 7;
        std::vector<int> out(blocks * threads, -1);
        const cudaError_t e = launch(rotateKernel, dim3(blocks), dim3(threads), 0, nullptr, out.data(), rounds);
        bool ok = e == cudaSuccess;
        for (int b = 0; b < blocks; ++b)
            for (int t = 0; t < threads; ++t)
                ok = ok && out[static_cast<std::size_t>(b * threads + t)] == (t + rounds) % threads + 1000 * b;
        check(ok, "__syncthreads orders shared-memory writes before reads (3 blocks of 100, 7 rotations)");
    }
    {
        const int n = 48;
        std::vector<float> sums(n);
        std::vector<int> down(n), any(n), all(n), width8(n);
        std::vector<unsigned> ballots(n);
        const cudaError_t e = launch(warpKernel, dim3(1), dim3(n), 0, nullptr, sums.data(), down.data(),
                                     ballots.data(), any.data(), all.data(), width8.data());
        bool okSum = e == cudaSuccess, okDown = okSum, okBallot = okSum, okVote = okSum, okWidth = okSum;
        for (int t = 0; t < n; ++t) {
            const int warp = t / 32, lane = t % 32, size = warp == 0 ? 32 : 16;
            // xor partners outside a 16-lane warp read their own value: lanes 0..15 of warp 1 sum 16 values at
            // m <= 8, and at m = 16 the partner is missing, so the value doubles.
            float expect = 0;
            for (int l = 0; l < size; ++l)
                expect += static_cast<float>(32 * warp + l);
            if (size == 16) expect *= 2;
            okSum = okSum && sums[static_cast<std::size_t>(t)] == expect;
            okDown = okDown && down[static_cast<std::size_t>(t)] == (lane + 3 < size ? t + 3 : t);
            unsigned ballot = 0;
            for (int l = 0; l < size; ++l)
                ballot |= l % 3 == 0 ? 1u << l : 0u;
            okBallot = okBallot && ballots[static_cast<std::size_t>(t)] == ballot;
            okVote = okVote && any[static_cast<std::size_t>(t)] == (warp == 1) &&
                     all[static_cast<std::size_t>(t)] == (warp == 0);
            okWidth = okWidth && width8[static_cast<std::size_t>(t)] == (t & ~7) + 5;
        }
        check(okSum, "__shfl_xor_sync sums a warp of 32 and a partial warp of 16");
        check(okDown, "__shfl_down_sync: lanes past the warp's end keep their own value");
        check(okBallot, "__ballot_sync: one bit per live lane");
        check(okVote, "__any_sync / __all_sync per warp");
        check(okWidth, "__shfl_sync with width 8 reads lane 5 of each group of 8");
    }
    {
        std::vector<int> out(48, -1);
        const cudaError_t e = launch(earlyExitKernel, dim3(2), dim3(256), 0, nullptr, out.data());
        bool ok = e == cudaSuccess;
        for (int t = 0; t < 48; ++t)
            ok = ok && out[static_cast<std::size_t>(t)] == (47 - t) * (47 - t) + (t ^ 1);
        check(ok, "threads that return leave the block's and the warp's barriers (2 blocks, 208 of 256 return)");
    }
    {
        const dim3 grid(3, 2), block(64);
        std::vector<int> fresh(6 * 64, 0);
        const cudaError_t e = launch(dynamicSmemKernel, grid, block, 64, nullptr, fresh.data());
        bool ok = e == cudaSuccess;
        for (const int f : fresh)
            ok = ok && f == 1;
        check(ok, "dynamic shared memory is fresh in each of 6 blocks (a 3 x 2 grid)");
    }
    {
        const int n = 128;
        std::vector<float> out(n);
        const cudaError_t e = launch(deepKernel, dim3(2), dim3(n), 0, nullptr, out.data());
        bool ok = e == cudaSuccess;
        for (int t = 0; t < n; ++t)
            ok = ok && out[static_cast<std::size_t>(t)] == deepReference(t);
        check(ok, "128 threads 200 frames deep across a barrier keep their own stacks and float registers");
    }
    {
        const int hosts = 2, blocks = 4, threads = 64;
        std::vector<std::vector<int>> out(hosts, std::vector<int>(blocks * threads, -1));
        std::vector<std::thread> launchers;
        std::vector<cudaError_t> errors(hosts, cudaErrorUnknown);
        for (int h = 0; h < hosts; ++h)
            launchers.emplace_back([&, h] {
                errors[static_cast<std::size_t>(h)] = launch(rotateKernel, dim3(blocks), dim3(threads), 0, nullptr,
                                                             out[static_cast<std::size_t>(h)].data(), 3 + h);
            });
        for (std::thread& t : launchers)
            t.join();
        bool ok = true;
        for (int h = 0; h < hosts; ++h) {
            ok = ok && errors[static_cast<std::size_t>(h)] == cudaSuccess;
            for (int b = 0; b < blocks; ++b)
                for (int t = 0; t < threads; ++t)
                    ok = ok && out[static_cast<std::size_t>(h)][static_cast<std::size_t>(b * threads + t)] ==
                                   (t + 3 + h) % threads + 1000 * b;
        }
        check(ok, "launches from two host threads at once (static __shared__ arrays, one block at a time)");
    }
    check(launch(rotateKernel, dim3(1), dim3(1025), 0, nullptr, static_cast<int*>(nullptr), 1) ==
              cudaErrorInvalidConfiguration,
          "a block of 1025 threads is refused");
#if !WS_CUDA_EMU_THREADS
    {
        std::fflush(stdout);
        int pipeFd[2];
        bool ok = pipe(pipeFd) == 0;
        const pid_t pid = ok ? fork() : -1;
        if (pid == 0) {
            dup2(pipeFd[1], STDERR_FILENO);
            static_cast<void>(launch(deadlockKernel, dim3(1), dim3(32), 0, nullptr));
            _exit(0); // not reached: the deadlock aborts
        }
        std::string err;
        if (pid > 0) {
            close(pipeFd[1]);
            char buf[512];
            for (ssize_t got; (got = read(pipeFd[0], buf, sizeof buf)) > 0;)
                err.append(buf, static_cast<std::size_t>(got));
            close(pipeFd[0]);
            int status = 0;
            waitpid(pid, &status, 0);
            ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
        }
        check(ok && err.find("cuda_emu: deadlock") != std::string::npos,
              "a barrier half the block never reaches aborts with \"" + err.substr(0, err.find('\n')) + "\"");
    }
#endif
    std::printf("%s: %d failure(s)\n", g_failures ? "FAILED" : "ok", g_failures);
    return g_failures ? 1 : 0;
}
