// Decode GEMV: Y = X W^T for 1..16 tokens with F32 / F16 / BF16 / FP8 (128 x 128 block-scaled) weights.
#include "gemv_tile.cuh"

namespace ws::cuda {
namespace {

// torch: Y[:T, :rows] = X[:T, :cols] @ W[:, :cols].T
//        (FP8: W = fp8.float() * weight_scale_inv.repeat_interleave(128, 0).repeat_interleave(128, 1))
// W [rows, ld]; X [T, ldx]; Y [T, ldy]. Block: blockDim.x / G groups of G threads, each on kGemvRows
// consecutive rows; grid.x covers the rows.
template <WeightType WT, int T>
__global__ void __launch_bounds__(kGemvThreads, gemvMinBlocks(T))
    gemvKernel(const DeviceMatrix W, const float* __restrict__ X, int ldx, float* __restrict__ Y, int ldy,
               int G) {
    constexpr int kSize = WeightTraits<WT>::kSize;
    const int groups = static_cast<int>(blockDim.x) / G;
    const int group = static_cast<int>(threadIdx.x) / G, j = static_cast<int>(threadIdx.x) % G;
    const int r0 = (static_cast<int>(blockIdx.x) * groups + group) * kGemvRows;
    const auto* base = static_cast<const unsigned char*>(W.data);
    // [kGemvRows] -> [ld] weights; past the last row: the last row again
    const unsigned char* rowPtr[kGemvRows];
#pragma unroll
    for (int i = 0; i < kGemvRows; ++i)
        rowPtr[i] = base + static_cast<std::size_t>(min(r0 + i, W.rows - 1)) * W.ld * kSize;
    const float* scaleRow = WT == WeightType::FP8E4M3 // [scaleLd]
                                ? W.scale + static_cast<std::size_t>(min(r0, W.rows - 1) >> 7) * W.scaleLd
                                : nullptr;
    float acc[kGemvRows][T] = {}; // [kGemvRows, T]
    accumulateRows<WT, T, true>(
        rowPtr, scaleRow, W.cols, [&](int t) { return X + static_cast<std::size_t>(t) * ldx; }, j, G, acc);
    reduceRows<T>(acc, G, [&](int g, int i, int t, float v) {
        const int r = (static_cast<int>(blockIdx.x) * groups + g) * kGemvRows + i;
        if (r < W.rows)
            Y[static_cast<std::size_t>(t) * ldy + r] = v;
    });
}

template <WeightType WT, int T>
cudaError_t launchGemv(const DeviceMatrix& W, const float* X, int ldx, float* Y, int ldy,
                       cudaStream_t stream) {
    const int G = gemvGroupThreads(W.cols, WeightTraits<WT>::kPerChunk);
    const int rowsPerBlock = kGemvThreads / G * kGemvRows;
    const dim3 grid(static_cast<unsigned>((W.rows + rowsPerBlock - 1) / rowsPerBlock));
    return launchKernel(&gemvKernel<WT, T>, grid, dim3(kGemvThreads), 0, stream, W, X, ldx, Y, ldy, G);
}

template <WeightType WT, int... Ts>
cudaError_t gemvForT(const DeviceMatrix& W, const float* X, int ldx, int T, float* Y, int ldy,
                     cudaStream_t stream, std::integer_sequence<int, Ts...>) {
    cudaError_t e = cudaErrorInvalidValue;
    (void)((T == Ts + 1 && ((e = launchGemv<WT, Ts + 1>(W, X, ldx, Y, ldy, stream)), true)) || ...);
    return e;
}

template <WeightType WT>
cudaError_t gemvTyped(const DeviceMatrix& W, const float* X, int ldx, int T, float* Y, int ldy,
                      cudaStream_t stream) {
    return gemvForT<WT>(W, X, ldx, T, Y, ldy, stream, std::make_integer_sequence<int, kMaxGemvTokens>{});
}

} // namespace

/// The layout contract of DeviceMatrix / MoeWeights (shape, alignment, scales), shared with moe_gemv.cu.
bool validWeightLayout(WeightType type, int rows, int cols, int ld, int scaleLd) {
    const int size = weightTypeSize(type);
    if (rows < 1 || cols < 1 || ld < cols || (static_cast<long long>(ld) * size) % 16 != 0)
        return false;
    return type != WeightType::FP8E4M3 || scaleLd >= (cols + kFp8Block - 1) / kFp8Block;
}

cudaError_t gemv(const DeviceMatrix& W, const float* X, int ldx, int T, float* Y, int ldy,
                 cudaStream_t stream) {
    if (T < 1 || T > kMaxGemvTokens || !validWeightLayout(W.type, W.rows, W.cols, W.ld, W.scaleLd) ||
        W.data == nullptr || !aligned16(W.data) || (W.type == WeightType::FP8E4M3 && W.scale == nullptr) ||
        X == nullptr || !aligned16(X) || ldx < W.cols || ldx % 4 != 0 || Y == nullptr || ldy < W.rows)
        return cudaErrorInvalidValue;
    switch (W.type) {
    case WeightType::F32:
        return gemvTyped<WeightType::F32>(W, X, ldx, T, Y, ldy, stream);
    case WeightType::F16:
        return gemvTyped<WeightType::F16>(W, X, ldx, T, Y, ldy, stream);
    case WeightType::BF16:
        return gemvTyped<WeightType::BF16>(W, X, ldx, T, Y, ldy, stream);
    case WeightType::FP8E4M3:
        return gemvTyped<WeightType::FP8E4M3>(W, X, ldx, T, Y, ldy, stream);
    }
    return cudaErrorInvalidValue;
}

} // namespace ws::cuda
