// MoE decode GEMV over the chosen experts only: pairs (expert, token), each expert's weights read once for up
// to 8 of its tokens.
#include "gemv_tile.cuh"

namespace ws::cuda {
namespace {

// torch: for p in range(nPairs): Y[p, :rows] = X[tokenOfPair[p], :cols] @ W[expertOfPair[p]][:, :cols].T
// expertOfPair, tokenOfPair [nPairs]; X [nTokens, ldx]; W[e] [rows, ld]; Y [nPairs, ldy]. grid (row blocks,
// nPairs): the blocks of pair p do expert e = expertOfPair[p] only when p is e's first pair; they gather e's
// pairs TB at a time (warp 0, by ballots) and run them as one multi-token GEMV.
template <WeightType WT, int TB>
__global__ void __launch_bounds__(kGemvThreads, gemvMinBlocks(TB))
    moeGemvKernel(const MoeWeights W, const int* __restrict__ expertOfPair,
                  const int* __restrict__ tokenOfPair, int nPairs, int nTokens, const float* __restrict__ X,
                  int ldx, float* __restrict__ Y, int ldy, int G) {
    constexpr int kSize = WeightTraits<WT>::kSize;
    constexpr bool kFp8 = WT == WeightType::FP8E4M3;
    const int p = static_cast<int>(blockIdx.y), lane = static_cast<int>(threadIdx.x) & 31;
    const int e = __ldg(expertOfPair + p);
    for (int q0 = 0; q0 < p;
         q0 += 32) { // an earlier pair on the same expert does this expert (block-uniform)
        const int q = q0 + lane;
        if (__any_sync(kFullMask, q < p && __ldg(expertOfPair + q) == e))
            return;
    }
    const bool knownExpert = e >= 0 && e < W.nExperts;
    const auto* base = knownExpert ? static_cast<const unsigned char*>(W.data[e]) : nullptr;
    const float* scale = knownExpert && kFp8 ? W.scale[e] : nullptr;
    const bool bad = base == nullptr || !aligned16(base) || (kFp8 && scale == nullptr);

    const int groups = static_cast<int>(blockDim.x) / G;
    const int group = static_cast<int>(threadIdx.x) / G, j = static_cast<int>(threadIdx.x) % G;
    const int r0 = (static_cast<int>(blockIdx.x) * groups + group) * kGemvRows;
    const unsigned char* rowPtr[kGemvRows]; // [kGemvRows] -> [ld] weights of expert e (null: bad expert)
#pragma unroll
    for (int i = 0; i < kGemvRows; ++i)
        rowPtr[i] = bad ? nullptr : base + static_cast<std::size_t>(min(r0 + i, W.rows - 1)) * W.ld * kSize;
    const float* scaleRow = // [scaleLd]
        kFp8 && !bad ? scale + static_cast<std::size_t>(min(r0, W.rows - 1) >> 7) * W.scaleLd : nullptr;

    __shared__ int batchPair[TB], batchToken[TB]; // [TB] pair index, token index (-1: out of range)
    __shared__ int batchCount, batchNext;
    int cursor = p;
    for (;;) {
        if (threadIdx.x < 32) { // warp 0 gathers the next TB pairs of expert e from `cursor` on
            int count = 0, next = nPairs;
            for (int q0 = cursor; q0 < nPairs; q0 += 32) {
                const int q = q0 + lane;
                unsigned m = __ballot_sync(kFullMask, q < nPairs && __ldg(expertOfPair + q) == e);
                while (m != 0 && count < TB) {
                    const int b = __ffs(static_cast<int>(m)) - 1;
                    m &= m - 1;
                    if (lane == 0) {
                        const int tok = __ldg(tokenOfPair + q0 + b);
                        batchPair[count] = q0 + b;
                        batchToken[count] = tok >= 0 && tok < nTokens ? tok : -1;
                    }
                    ++count;
                }
                if (count == TB) {
                    next = m != 0 ? q0 + __ffs(static_cast<int>(m)) - 1 : q0 + 32;
                    break;
                }
            }
            if (lane == 0) {
                batchCount = count;
                batchNext = next;
            }
        }
        __syncthreads();
        const int count = batchCount;
        cursor = batchNext;
        if (count == 0)
            break;
        const float*
            xRow[TB]; // [TB] -> [cols] activations; past `count` the first token again (sums dropped)
#pragma unroll
        for (int t = 0; t < TB; ++t)
            xRow[t] = X + static_cast<std::size_t>(max(batchToken[t < count ? t : 0], 0)) * ldx;
        float acc[kGemvRows][TB] = {}; // [kGemvRows, TB]
        if (!bad)
            accumulateRows<WT, TB, false>(
                rowPtr, scaleRow, W.cols, [&](int t) { return xRow[t]; }, j, G, acc);
        reduceRows<TB>(acc, G, [&](int g, int i, int t, float v) {
            const int r = (static_cast<int>(blockIdx.x) * groups + g) * kGemvRows + i;
            if (t < count && r < W.rows)
                Y[static_cast<std::size_t>(batchPair[t]) * ldy + r] =
                    bad || batchToken[t] < 0 ? __int_as_float(0x7fc00000) : v;
        });
        __syncthreads(); // batchPair / batchToken / part are rewritten next round
        if (count < TB)
            break;
    }
}

template <WeightType WT, int TB>
cudaError_t launchMoe(const MoeWeights& W, const int* expertOfPair, const int* tokenOfPair, int nPairs,
                      int nTokens, const float* X, int ldx, float* Y, int ldy, cudaStream_t stream) {
    const int G = gemvGroupThreads(W.cols, WeightTraits<WT>::kPerChunk);
    const int rowsPerBlock = kGemvThreads / G * kGemvRows;
    const dim3 grid(static_cast<unsigned>((W.rows + rowsPerBlock - 1) / rowsPerBlock),
                    static_cast<unsigned>(nPairs));
    return launchKernel(&moeGemvKernel<WT, TB>, grid, dim3(kGemvThreads), 0, stream, W, expertOfPair,
                        tokenOfPair, nPairs, nTokens, X, ldx, Y, ldy, G);
}

template <WeightType WT>
cudaError_t moeTyped(const MoeWeights& W, const int* expertOfPair, const int* tokenOfPair, int nPairs,
                     int nTokens, const float* X, int ldx, float* Y, int ldy, cudaStream_t stream) {
    // A token picks an expert once, so an expert has at most nTokens pairs: batches of up to 8 cover decode.
    if (nTokens == 1)
        return launchMoe<WT, 1>(W, expertOfPair, tokenOfPair, nPairs, nTokens, X, ldx, Y, ldy, stream);
    if (nTokens == 2)
        return launchMoe<WT, 2>(W, expertOfPair, tokenOfPair, nPairs, nTokens, X, ldx, Y, ldy, stream);
    if (nTokens <= 4)
        return launchMoe<WT, 4>(W, expertOfPair, tokenOfPair, nPairs, nTokens, X, ldx, Y, ldy, stream);
    return launchMoe<WT, 8>(W, expertOfPair, tokenOfPair, nPairs, nTokens, X, ldx, Y, ldy, stream);
}

} // namespace

cudaError_t moeGemv(const MoeWeights& W, const int* expertOfPair, const int* tokenOfPair, int nPairs,
                    int nTokens, const float* X, int ldx, float* Y, int ldy, cudaStream_t stream) {
    if (nPairs == 0)
        return cudaSuccess;
    if (nPairs < 0 || nPairs > kMaxMoePairs || nTokens < 1 || W.nExperts < 1 ||
        !validWeightLayout(W.type, W.rows, W.cols, W.ld, W.scaleLd) || W.data == nullptr ||
        (W.type == WeightType::FP8E4M3 && W.scale == nullptr) || expertOfPair == nullptr ||
        tokenOfPair == nullptr || X == nullptr || !aligned16(X) || ldx < W.cols || ldx % 4 != 0 ||
        Y == nullptr || ldy < W.rows)
        return cudaErrorInvalidValue;
    switch (W.type) {
    case WeightType::F32:
        return moeTyped<WeightType::F32>(W, expertOfPair, tokenOfPair, nPairs, nTokens, X, ldx, Y, ldy,
                                         stream);
    case WeightType::F16:
        return moeTyped<WeightType::F16>(W, expertOfPair, tokenOfPair, nPairs, nTokens, X, ldx, Y, ldy,
                                         stream);
    case WeightType::BF16:
        return moeTyped<WeightType::BF16>(W, expertOfPair, tokenOfPair, nPairs, nTokens, X, ldx, Y, ldy,
                                          stream);
    case WeightType::FP8E4M3:
        return moeTyped<WeightType::FP8E4M3>(W, expertOfPair, tokenOfPair, nPairs, nTokens, X, ldx, Y, ldy,
                                             stream);
    }
    return cudaErrorInvalidValue;
}

} // namespace ws::cuda
