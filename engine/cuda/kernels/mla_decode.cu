// Absorbed MLA decode (DeepSeek-V2 paper §2.1, "absorbed" form) over the BF16 latent cache: append a
// position, attention split over the sequence with a combine step (FlashMLA's scheme), on CUDA cores.
#include "device_common.cuh"

#include <algorithm>

namespace ws::cuda {
namespace {

constexpr int kMlaThreads = 256;
constexpr int kMlaHeads = 16; // heads per block: a cache tile in shared memory serves all of them
constexpr int kMlaTile = 32;  // positions per shared-memory tile
constexpr int kMlaMaxSplits = 128;
constexpr int kMlaMinSplitLen = 256;  // positions: below this a split's fixed costs dominate
constexpr int kMlaTargetBlocks = 264; // about two waves on a 132-SM H100 / H200
static_assert(kMlaThreads == 256 && kMlaHeads == 16 && kMlaTile == 32,
              "the thread mappings below assume these");

/// Shared-memory row stride of the cache tile, in BF16 elements: = 4 (mod 64), so that 32 lanes reading 8
/// bytes of 32 different rows hit different banks (phase A), and rows stay 8-byte aligned.
__host__ __device__ constexpr int mlaTileStride(int W) { return W + ((4 - W % 64) % 64 + 64) % 64; }

/// Bytes of dynamic shared memory of mlaPartialKernel: q [kMlaHeads, W] float, tile [kMlaTile, stride] BF16,
/// scores [kMlaHeads, kMlaTile] float, stats [3, kMlaHeads] float.
__host__ __device__ constexpr std::size_t mlaSmemBytes(int W) {
    return sizeof(float) * kMlaHeads * W + 2 * static_cast<std::size_t>(kMlaTile) * mlaTileStride(W) +
           sizeof(float) * (kMlaHeads * kMlaTile + 3 * kMlaHeads);
}

struct MlaPlan {
    int splitLen = 0;
    int nSplit = 0;
};

MlaPlan mlaPlan(int B, int nh, int maxLen, int splitLen) {
    MlaPlan p;
    if (splitLen <= 0) {
        const int headBlocks = (nh + kMlaHeads - 1) / kMlaHeads;
        const int want = (kMlaTargetBlocks + B * headBlocks - 1) / (B * headBlocks);
        const int most = (maxLen + kMlaMinSplitLen - 1) / kMlaMinSplitLen;
        const int splits = std::max(1, std::min({want, most, kMlaMaxSplits}));
        splitLen = (maxLen + splits - 1) / splits;
        splitLen = (splitLen + kMlaTile - 1) / kMlaTile * kMlaTile;
    }
    p.splitLen = splitLen;
    p.nSplit = static_cast<int>((static_cast<long long>(maxLen) + splitLen - 1) / splitLen);
    return p;
}

__device__ __forceinline__ float4 bf16x4ToFloat4(uint2 v) {
    return make_float4(__uint_as_float(v.x << 16), __uint_as_float(v.x & 0xffff0000u),
                       __uint_as_float(v.y << 16), __uint_as_float(v.y & 0xffff0000u));
}

// One split of positions for kMlaHeads heads of batch row b; grid (head blocks, splits, B).
// qlat [B, nh, R]; qpe [B, nh, dr]; cache [B] -> [len[b], R + dr] BF16; len [B]; olat [B, nh, R];
// partO [B, nSplit, nh, R]; partML [B, nSplit, nh, 2].
// torch, per head h: s_t = scale * (qlat[b, h] @ c_t + qpe[b, h] @ kpe_t) for t in the split;
//   m = s.max(); p = (s - m).exp(); l = p.sum(); O = p @ c   (online over tiles of kMlaTile positions)
// With one split: olat[b, h] = O / l. Else partO[b, split, h] = O and partML[b, split, h] = (m, l) for the
// combine. Per tile: A) scores, thread (t = tid % 32, heads 2 (tid / 32) + {0, 1}); B) softmax update, 16
// lanes per head; C) O += p c, thread (dims 8 (tid % 64) .. + 8, heads 4 (tid / 64) .. + 4), in registers.
// (Shared memory allows 2 blocks per SM, so registers need not fit 3.)
__global__ void __launch_bounds__(kMlaThreads, 2)
    mlaPartialKernel(const float* __restrict__ qlat, const float* __restrict__ qpe,
                     const __nv_bfloat16* const* __restrict__ cache, const int* __restrict__ len, int nh,
                     int R, int dr, float scale, int splitLen, float* __restrict__ olat,
                     float* __restrict__ partO, float* __restrict__ partML) {
    const int W = R + dr, cs = mlaTileStride(W);
    WS_DYN_SMEM(unsigned char, smem);
    float* q = reinterpret_cast<float*>(smem);                         // [kMlaHeads, W]
    auto* tile = reinterpret_cast<unsigned short*>(q + kMlaHeads * W); // [kMlaTile, cs] BF16 bits
    float* sc = reinterpret_cast<float*>(tile + kMlaTile * cs);        // [kMlaHeads, kMlaTile]
    float* mRun = sc + kMlaHeads * kMlaTile;                           // [kMlaHeads] running max
    float* lRun = mRun + kMlaHeads;                                    // [kMlaHeads] running sum
    float* alpha = lRun + kMlaHeads;                                   // [kMlaHeads] this tile's rescale

    const int tid = static_cast<int>(threadIdx.x);
    const int h0 = static_cast<int>(blockIdx.x) * kMlaHeads, split = static_cast<int>(blockIdx.y);
    const int b = static_cast<int>(blockIdx.z), nSplit = static_cast<int>(gridDim.y);
    const int n = __ldg(len + b);
    const int t0 = split * splitLen, t1 = min(n, t0 + splitLen);
    const auto* rows = reinterpret_cast<const unsigned char*>(cache[b]);

    for (int i = tid; i < kMlaHeads * W; i += kMlaThreads) {
        const int h = i / W, d = i % W;
        const std::size_t bh = static_cast<std::size_t>(b) * nh + h0 + h;
        q[i] = h0 + h >= nh ? 0.0f : d < R ? __ldg(qlat + bh * R + d) : __ldg(qpe + bh * dr + d - R);
    }
    if (tid < kMlaHeads) {
        mRun[tid] = -INFINITY;
        lRun[tid] = 0.0f;
    }
    const int dg = tid & 63, hq = tid >> 6; // phase C
    float acc[4][8] = {};                   // [4 heads, 8 dims] of O

    for (int tt = t0; tt < t1; tt += kMlaTile) {
        const int nt = min(kMlaTile, t1 - tt);
        __syncthreads(); // the previous tile is consumed (and q, the stats are initialised)
        const int chunks = W / 8;
        for (int i = tid; i < nt * chunks; i += kMlaThreads) {
            const int r = i / chunks, ch = i % chunks;
            const uint4 v = __ldg(
                reinterpret_cast<const uint4*>(rows + (static_cast<std::size_t>(tt + r) * W + 8 * ch) * 2));
            uint2* dst = reinterpret_cast<uint2*>(tile + r * cs + 8 * ch);
            dst[0] = make_uint2(v.x, v.y);
            dst[1] = make_uint2(v.z, v.w);
        }
        __syncthreads();
        { // A) scores of two heads at one position
            const int t = tid & 31, h = 2 * (tid >> 5);
            float s0 = -INFINITY, s1 = -INFINITY;
            if (t < nt) {
                const float* qa = q + h * W;
                const float* qb = qa + W;
                const unsigned short* c = tile + t * cs;
                float a0 = 0.0f, a1 = 0.0f;
                for (int d = 0; d < W; d += 4) {
                    const float4 cv = bf16x4ToFloat4(*reinterpret_cast<const uint2*>(c + d));
                    const float4 x = *reinterpret_cast<const float4*>(qa + d);
                    const float4 y = *reinterpret_cast<const float4*>(qb + d);
                    a0 = fmaf(x.x, cv.x, fmaf(x.y, cv.y, fmaf(x.z, cv.z, fmaf(x.w, cv.w, a0))));
                    a1 = fmaf(y.x, cv.x, fmaf(y.y, cv.y, fmaf(y.z, cv.z, fmaf(y.w, cv.w, a1))));
                }
                s0 = a0 * scale;
                s1 = a1 * scale;
            }
            sc[h * kMlaTile + t] = s0;
            sc[(h + 1) * kMlaTile + t] = s1;
        }
        __syncthreads();
        { // B) online softmax: 16 lanes per head, positions j and j + 16
            const int h = tid >> 4, j = tid & 15;
            float* s = sc + h * kMlaTile;
            const float a = s[j], c = s[j + 16];
            float mx = fmaxf(a, c);
#pragma unroll
            for (int o = 8; o > 0; o >>= 1)
                mx = fmaxf(mx, __shfl_xor_sync(kFullMask, mx, o));
            const float mOld = mRun[h], mNew = fmaxf(mOld, mx); // finite: position tt is in the tile
            const float pa = expf(a - mNew), pc = expf(c - mNew);
            s[j] = pa;
            s[j + 16] = pc;
            float ps = pa + pc;
#pragma unroll
            for (int o = 8; o > 0; o >>= 1)
                ps += __shfl_xor_sync(kFullMask, ps, o);
            __syncwarp(); // every lane of the head read mRun[h] before it changes
            if (j == 0) {
                const float f = expf(mOld - mNew); // 0 on the first tile (mOld = -inf)
                mRun[h] = mNew;
                lRun[h] = lRun[h] * f + ps;
                alpha[h] = f;
            }
        }
        __syncthreads();
        if (8 * dg < R) { // C) O = alpha O + p c over the tile
            const unsigned short* c = tile + 8 * dg;
            float p[4];
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                const float f = alpha[4 * hq + i];
#pragma unroll
                for (int d = 0; d < 8; ++d)
                    acc[i][d] *= f;
            }
            for (int t = 0; t < nt; ++t) {
                const uint2* cv = reinterpret_cast<const uint2*>(c + t * cs);
                const float4 lo = bf16x4ToFloat4(cv[0]), hi = bf16x4ToFloat4(cv[1]);
                const float v[8] = {lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w};
#pragma unroll
                for (int i = 0; i < 4; ++i)
                    p[i] = sc[(4 * hq + i) * kMlaTile + t];
#pragma unroll
                for (int i = 0; i < 4; ++i)
#pragma unroll
                    for (int d = 0; d < 8; ++d)
                        acc[i][d] = fmaf(p[i], v[d], acc[i][d]);
            }
        }
    }
    __syncthreads(); // the stats are final (or still initial: an empty split)

    if (8 * dg < R) {
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const int h = h0 + 4 * hq + i;
            if (h >= nh)
                break;
            const std::size_t bh = static_cast<std::size_t>(b) * nh + h;
            if (nSplit == 1) {
                const float l = lRun[4 * hq + i], inv = l > 0.0f ? 1.0f / l : 0.0f;
#pragma unroll
                for (int d = 0; d < 8; ++d)
                    olat[bh * R + 8 * dg + d] = acc[i][d] * inv;
            } else if (t0 < t1) {
                float* o = partO + ((static_cast<std::size_t>(b) * nSplit + split) * nh + h) * R + 8 * dg;
#pragma unroll
                for (int d = 0; d < 8; ++d)
                    o[d] = acc[i][d];
            }
        }
    }
    if (nSplit > 1 && tid < kMlaHeads && h0 + tid < nh) {
        float* ml = partML + ((static_cast<std::size_t>(b) * nSplit + split) * nh + h0 + tid) * 2;
        ml[0] = mRun[tid];
        ml[1] = lRun[tid];
    }
}

// torch: w_s = exp(m_s - M) / sum_s exp(m_s - M) l_s with M = max_s m_s;  olat[b, h] = sum_s w_s O_s
// partO [B, nSplit, nh, R]; partML [B, nSplit, nh, 2] (m, l); olat [B, nh, R]; grid (nh, B). Empty splits
// (m = -inf) are skipped without reading their O; no positions at all gives zeros.
__global__ void __launch_bounds__(128)
    mlaCombineKernel(const float* __restrict__ partO, const float* __restrict__ partML, int nh, int R,
                     int nSplit, float* __restrict__ olat) {
    __shared__ float weight[kMlaMaxSplits];
    const int h = static_cast<int>(blockIdx.x), b = static_cast<int>(blockIdx.y);
    const float* ml = partML + static_cast<std::size_t>(b) * nSplit * nh * 2;
    const auto at = [&](int s) { return ml + (static_cast<std::size_t>(s) * nh + h) * 2; };
    float M = -INFINITY;
    for (int s = 0; s < nSplit; ++s)
        M = fmaxf(M, at(s)[0]);
    float L = 0.0f;
    for (int s = 0; s < nSplit; ++s)
        if (at(s)[0] != -INFINITY)
            L += expf(at(s)[0] - M) * at(s)[1];
    for (int s = static_cast<int>(threadIdx.x); s < nSplit; s += blockDim.x)
        weight[s] = at(s)[0] != -INFINITY && L > 0.0f ? expf(at(s)[0] - M) / L : 0.0f;
    __syncthreads();
    for (int d = static_cast<int>(threadIdx.x); d < R; d += blockDim.x) {
        float o = 0.0f;
        for (int s = 0; s < nSplit; ++s)
            if (weight[s] != 0.0f)
                o = fmaf(weight[s], partO[((static_cast<std::size_t>(b) * nSplit + s) * nh + h) * R + d], o);
        olat[(static_cast<std::size_t>(b) * nh + h) * R + d] = o;
    }
}

// torch: c = kv_a_norm(kva[b, :R]); k_pe = rope(kva[b, R:R + dr], pos[b])
//        cache[b][pos[b]] = torch.cat([c, k_pe]).float().bfloat16()   (float first: the CPU's cache holds it)
// kva [B, ldKva]; normW [R]; pos [B]; invFreq [dr / 2]; cache [B] -> [positions, R + dr]. One block per row
// b.
__global__ void __launch_bounds__(128)
    mlaAppendKernel(const float* __restrict__ kva, int ldKva, int R, int dr, const float* __restrict__ normW,
                    float eps, const int* __restrict__ pos, const double* __restrict__ invFreq,
                    double cosSinScale, __nv_bfloat16* const* cache) {
    const int b = static_cast<int>(blockIdx.x);
    const float* src = kva + static_cast<std::size_t>(b) * ldKva;
    float ss = 0.0f;
    for (int i = static_cast<int>(threadIdx.x); i < R; i += blockDim.x)
        ss = fmaf(src[i], src[i], ss);
    const float inv = rsqrtf(blockSum(ss) / static_cast<float>(R) + eps);
    const int p = __ldg(pos + b);
    __nv_bfloat16* row = cache[b];
    if (p < 0 || row == nullptr)
        return;
    __nv_bfloat16* dst = row + static_cast<std::size_t>(p) * (R + dr);
    for (int i = static_cast<int>(threadIdx.x); i < R; i += blockDim.x)
        dst[i] = __float2bfloat16_rn(src[i] * inv * __ldg(normW + i));
    for (int j = static_cast<int>(threadIdx.x); j < dr / 2; j += blockDim.x) {
        double sn, cs;
        sincos(p * __ldg(invFreq + j), &sn, &cs);
        cs *= cosSinScale;
        sn *= cosSinScale;
        const double x0 = src[R + 2 * j], x1 = src[R + 2 * j + 1];
        dst[R + 2 * j] = __float2bfloat16_rn(static_cast<float>(x0 * cs - x1 * sn));
        dst[R + 2 * j + 1] = __float2bfloat16_rn(static_cast<float>(x0 * sn + x1 * cs));
    }
}

bool validMlaShape(int R, int dr) {
    return R >= 8 && dr >= 2 && R % 8 == 0 && dr % 8 == 0 && R <= kMlaMaxLatent && dr <= kMlaMaxRope;
}

} // namespace

cudaError_t prepareKernels() {
    return cudaFuncSetAttribute(mlaPartialKernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                static_cast<int>(mlaSmemBytes(kMlaMaxLatent + kMlaMaxRope)));
}

cudaError_t mlaAppendKv(const float* kva, int ldKva, int B, int R, int dr, const float* normW, float eps,
                        const int* pos, const double* invFreq, double cosSinScale,
                        __nv_bfloat16* const* cache, cudaStream_t stream) {
    if (B < 1 || !validMlaShape(R, dr) || ldKva < R + dr || kva == nullptr || normW == nullptr ||
        pos == nullptr || invFreq == nullptr || cache == nullptr || !(eps >= 0.0f))
        return cudaErrorInvalidValue;
    return launchKernel(&mlaAppendKernel, dim3(static_cast<unsigned>(B)), dim3(128), 0, stream, kva, ldKva, R,
                        dr, normW, eps, pos, invFreq, cosSinScale, cache);
}

std::size_t mlaDecodeWorkspaceBytes(int B, int nh, int R, int maxLen, int splitLen) {
    if (B < 1 || nh < 1 || R < 1 || maxLen < 1)
        return 0;
    const MlaPlan plan = mlaPlan(B, nh, maxLen, splitLen);
    if (plan.nSplit <= 1)
        return 0;
    return sizeof(float) * static_cast<std::size_t>(B) * plan.nSplit * nh * (static_cast<std::size_t>(R) + 2);
}

cudaError_t mlaDecode(const float* qlat, const float* qpe, const __nv_bfloat16* const* cache, const int* len,
                      int B, int maxLen, int nh, int R, int dr, float scale, float* olat, void* work,
                      std::size_t workBytes, int splitLen, cudaStream_t stream) {
    if (B < 1 || B > 65535 || nh < 1 || maxLen < 1 || splitLen < 0 || !validMlaShape(R, dr) ||
        qlat == nullptr || qpe == nullptr || cache == nullptr || len == nullptr || olat == nullptr)
        return cudaErrorInvalidValue;
    const MlaPlan plan = mlaPlan(B, nh, maxLen, splitLen);
    if (plan.nSplit > kMlaMaxSplits)
        return cudaErrorInvalidValue;
    const std::size_t need = mlaDecodeWorkspaceBytes(B, nh, R, maxLen, splitLen);
    if (need > 0 && (work == nullptr || workBytes < need || reinterpret_cast<std::uintptr_t>(work) % 4 != 0))
        return cudaErrorInvalidValue;
    float* partO = static_cast<float*>(work);
    float* partML = need > 0 ? partO + static_cast<std::size_t>(B) * plan.nSplit * nh * R : nullptr;
    const dim3 grid(static_cast<unsigned>((nh + kMlaHeads - 1) / kMlaHeads),
                    static_cast<unsigned>(plan.nSplit), static_cast<unsigned>(B));
    if (const cudaError_t e =
            launchKernel(&mlaPartialKernel, grid, dim3(kMlaThreads), mlaSmemBytes(R + dr), stream, qlat, qpe,
                         cache, len, nh, R, dr, scale, plan.splitLen, olat, partO, partML);
        e != cudaSuccess || plan.nSplit == 1)
        return e;
    return launchKernel(&mlaCombineKernel, dim3(static_cast<unsigned>(nh), static_cast<unsigned>(B)),
                        dim3(128), 0, stream, partO, partML, nh, R, plan.nSplit, olat);
}

} // namespace ws::cuda
