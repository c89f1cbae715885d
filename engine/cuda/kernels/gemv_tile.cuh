// The inner loop shared by the dense and the MoE GEMV: a group of G threads streams kGemvRows weight rows
// once, 16 bytes per load, and applies each to every token's activations; then the group's partial sums are
// reduced.
#pragma once

#include "device_common.cuh"

namespace ws::cuda {
namespace {

constexpr int kGemvThreads = 256; // per block: blockDim.x / G groups of G threads
constexpr int kGemvRows = 4;      // rows per group: each activation load feeds 4 rows
constexpr int kGemvWarps = kGemvThreads / 32;

/// Blocks per SM that __launch_bounds__ asks register allocation to allow: with few tokens the kernel is
/// bound by memory bandwidth, and occupancy keeps loads in flight; with many, registers hold the
/// accumulators.
__host__ __device__ constexpr int gemvMinBlocks(int T) { return T <= 1 ? 4 : T <= 4 ? 2 : 1; }

/// Threads per row group: enough that each has one or two 16-byte chunks per row (more once G = 256).
inline int gemvGroupThreads(int cols, int perChunk) {
    const int chunks = (cols + perChunk - 1) / perChunk;
    int g = 32;
    while (g < kGemvThreads && 2 * g <= chunks)
        g *= 2;
    return g;
}

__host__ __device__ constexpr int pow2Ceil(int n) { return n <= 1 ? 1 : 2 * pow2Ceil((n + 1) / 2); }

/// acc[i][t] += sum_k W[row i, k] * x_t[k] over the columns of thread j of its group of G: 16-byte chunks
/// j, j + G, ... and, for cols % perChunk, the tail column nChunks * perChunk + j. Streaming loads (evict
/// first) when each weight is read only once.
///   rowPtr   [kGemvRows] -> [cols] weights of the group's rows, clamped to valid rows, 16-byte aligned
///   scaleRow [ceil(cols/128)] FP8 scales of the 128-row block holding those rows (all kGemvRows in one
///   block) xRow(t)  -> [cols] float activations of token t, 16-byte aligned acc      [kGemvRows, T]
template <WeightType WT, int T, bool kStreaming, class XRow>
__device__ __forceinline__ void accumulateRows(const unsigned char* const (&rowPtr)[kGemvRows],
                                               const float* scaleRow, int cols, XRow xRow, int j, int G,
                                               float (&acc)[kGemvRows][T]) {
    constexpr int kSize = WeightTraits<WT>::kSize, kPer = WeightTraits<WT>::kPerChunk;
    constexpr bool kFp8 = WT == WeightType::FP8E4M3;
    const int nChunks = cols / kPer;
#pragma unroll 1
    for (int c = j; c < nChunks; c += G) {
        const int k = c * kPer;
        uint4 raw[kGemvRows]; // [kGemvRows, 16 bytes]
#pragma unroll
        for (int i = 0; i < kGemvRows; ++i) {
            const uint4* p = reinterpret_cast<const uint4*>(rowPtr[i] + static_cast<std::size_t>(k) * kSize);
            raw[i] = kStreaming ? __ldcs(p) : __ldg(p);
        }
        // FP8: the 16 columns of a chunk lie in one 128-column block, the kGemvRows rows in one 128-row
        // block.
        const float s = kFp8 ? __ldg(scaleRow + (k >> 7)) * kFp8Unscale : 1.0f;
        // Unrolled, the scheduler hoists the activation loads of every quad (4 kPer T registers): FP8 took
        // 254 registers, one block per SM, at T = 5..8, against about 128 kept rolled.
#pragma unroll(T > 4 ? 1 : kPer / 4)
        for (int q = 0; q < kPer / 4; ++q) {
            float4 w[kGemvRows]; // [kGemvRows, 4] weights of columns k + 4q .. k + 4q + 3
#pragma unroll
            for (int i = 0; i < kGemvRows; ++i) {
                w[i] = decodeQuad<WT>(raw[i], q);
                if constexpr (kFp8)
                    w[i] = make_float4(w[i].x * s, w[i].y * s, w[i].z * s, w[i].w * s);
            }
#pragma unroll
            for (int t = 0; t < T; ++t) {
                const float4 x = __ldg(reinterpret_cast<const float4*>(xRow(t) + k) + q);
#pragma unroll
                for (int i = 0; i < kGemvRows; ++i) {
                    float a = acc[i][t];
                    a = fmaf(w[i].x, x.x, a);
                    a = fmaf(w[i].y, x.y, a);
                    a = fmaf(w[i].z, x.z, a);
                    a = fmaf(w[i].w, x.w, a);
                    acc[i][t] = a;
                }
            }
        }
    }
    const int k = nChunks * kPer + j; // the tail: fewer than kPer <= 16 <= G columns
    if (k < cols) {
        const float s = kFp8 ? __ldg(scaleRow + (k >> 7)) * kFp8Unscale : 1.0f;
#pragma unroll
        for (int i = 0; i < kGemvRows; ++i) {
            const float w = decodeOne<WT>(rowPtr[i], k) * s;
#pragma unroll
            for (int t = 0; t < T; ++t)
                acc[i][t] = fmaf(w, __ldg(xRow(t) + k), acc[i][t]);
        }
    }
}

/// Reduces acc [kGemvRows, T] over each group of G threads and calls store(group, i, t, total) once per
/// (group, row i, token t), from any thread of the block. Contains __syncthreads: every thread of the block
/// must call it; a second call needs a __syncthreads in between (part is reused).
template <int T, class Store>
__device__ __forceinline__ void reduceRows(float (&acc)[kGemvRows][T], int G, Store store) {
    constexpr int kN = kGemvRows * T, kP = pow2Ceil(kN);
    __shared__ float part[kGemvWarps][kP]; // [warps, kP] each warp's totals
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    float v[kP]; // [kP] acc flattened, zero-padded to a power of two
#pragma unroll
    for (int n = 0; n < kP; ++n)
        v[n] = n < kN ? acc[n / T][n % T] : 0.0f;
    const WarpScatter<kP> r = warpReduceScatter<kP>(v, lane);
    if (r.writer) {
#pragma unroll
        for (int n = 0; n < WarpScatter<kP>::kHeld; ++n)
            part[warp][r.base + n] = v[n];
    }
    __syncthreads();
    const int warpsPerGroup = G / 32, groups = static_cast<int>(blockDim.x) / G;
    for (int o = threadIdx.x; o < groups * kN; o += blockDim.x) {
        const int g = o / kN, n = o % kN;
        float sum = 0.0f;
        for (int w = 0; w < warpsPerGroup; ++w)
            sum += part[g * warpsPerGroup + w][n];
        store(g, n / T, n % T, sum);
    }
}

} // namespace
} // namespace ws::cuda
