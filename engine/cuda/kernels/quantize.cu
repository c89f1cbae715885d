// FP8 activations for cuBLASLt's block-scaled GEMM (DeepSeek-V3's recipe): 1 x 128 groups, one float scale
// each.
#include "device_common.cuh"

#include <cfloat>

namespace ws::cuda {
namespace {

constexpr int kQuantWarps = 4;

// torch: xg = x[m, 128g : 128g + 128]; s = max(xg.abs().max() / 448, 2**-126); scale[g, m] = s;
//        q[m, 128g : ...] = (xg / s).to(torch.float8_e4m3fn)   (round to nearest even, saturating)
// One warp per (m, g); lane i takes elements 4i .. 4i + 3 of the group (one float4 when the group is whole).
__global__ void __launch_bounds__(kQuantWarps * 32)
    quantize1x128Kernel(const float* __restrict__ x, int ldx, int M, int K, std::uint8_t* __restrict__ q,
                        float* __restrict__ scale) {
    const int groups = (K + 127) / 128;
    const long long task = 1ll * blockIdx.x * kQuantWarps + (threadIdx.x >> 5);
    if (task >= 1ll * M * groups)
        return; // warp-uniform
    const int m = static_cast<int>(task / groups), g = static_cast<int>(task % groups);
    const int lane = static_cast<int>(threadIdx.x) & 31, k0 = 128 * g + 4 * lane;
    const float* xr = x + static_cast<std::size_t>(m) * ldx;
    const bool vector = 128 * g + 128 <= K && (reinterpret_cast<std::uintptr_t>(xr) & 15) == 0;
    float v[4];
    if (vector) {
        const float4 f = __ldg(reinterpret_cast<const float4*>(xr + k0));
        v[0] = f.x;
        v[1] = f.y;
        v[2] = f.z;
        v[3] = f.w;
    } else {
#pragma unroll
        for (int i = 0; i < 4; ++i)
            v[i] = k0 + i < K ? __ldg(xr + k0 + i) : 0.0f;
    }
    float amax = fmaxf(fmaxf(fabsf(v[0]), fabsf(v[1])), fmaxf(fabsf(v[2]), fabsf(v[3])));
    amax = warpMax(amax);
    const float s = fmaxf(amax / 448.0f, FLT_MIN);
    std::uint8_t* qr = q + static_cast<std::size_t>(m) * K;
#pragma unroll
    for (int i = 0; i < 4; ++i)
        if (k0 + i < K)
            qr[k0 + i] = __nv_cvt_float_to_fp8(v[i] / s, __NV_SATFINITE, __NV_E4M3);
    if (lane == 0)
        scale[static_cast<std::size_t>(g) * M + m] = s;
}

} // namespace

cudaError_t quantize1x128(const float* x, int ldx, int M, int K, std::uint8_t* q, float* scale,
                          cudaStream_t stream) {
    if (M < 1 || K < 1 || ldx < K || x == nullptr || q == nullptr || scale == nullptr)
        return cudaErrorInvalidValue;
    const long long tasks = 1ll * M * ((K + 127) / 128);
    const long long blocks = (tasks + kQuantWarps - 1) / kQuantWarps;
    if (blocks > 0x7fffffffll)
        return cudaErrorInvalidValue;
    return launchKernel(&quantize1x128Kernel, dim3(static_cast<unsigned>(blocks)), dim3(kQuantWarps * 32), 0,
                        stream, x, ldx, M, K, q, scale);
}

} // namespace ws::cuda
