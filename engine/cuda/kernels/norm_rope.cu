// Element-wise steps of the decode pass: RMSNorm (+ residual add), interleaved RoPE, SiLU * up.
#include "device_common.cuh"

namespace ws::cuda {
namespace {

constexpr int kNormThreads = 256;

// torch: x += residual (if any);  out = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w
// x, residual, out: [rows, n]; w: [n]. One block per row; out may alias x (each element is read, then
// written, by the same thread).
__global__ void __launch_bounds__(kNormThreads)
    rmsNormKernel(float* x, const float* residual, int n, const float* __restrict__ w, float eps,
                  float* out) {
    float* xr = x + static_cast<std::size_t>(blockIdx.x) * n;                                   // [n]
    const float* rr = residual ? residual + static_cast<std::size_t>(blockIdx.x) * n : nullptr; // [n]
    float* o = out + static_cast<std::size_t>(blockIdx.x) * n;                                  // [n]
    float ss = 0.0f;
    for (int i = static_cast<int>(threadIdx.x); i < n; i += blockDim.x) {
        float v = xr[i];
        if (rr)
            xr[i] = v = v + rr[i];
        ss = fmaf(v, v, ss);
    }
    const float inv = rsqrtf(blockSum(ss) / static_cast<float>(n) + eps);
    for (int i = static_cast<int>(threadIdx.x); i < n; i += blockDim.x)
        o[i] = xr[i] * inv * __ldg(w + i);
}

// torch (interleaved pairs, as the checkpoint stores them; HF's de-interleave + rotate_half gives the same
// dot products): x[..., 2j], x[..., 2j+1] = x0 * c - x1 * s, x0 * s + x1 * c, with (c, s) = (cos, sin)(pos *
// invFreq[j])
// * cosSinScale, in double (engine/cpu/ops.h ropeAngles, ropeApply). x: pairs at [row * rowStride + head *
// headStride
// + 2j]; pos [rows]; invFreq [half]. One thread per (row, head, pair).
__global__ void ropeKernel(float* x, int rows, int heads, int rowStride, int headStride, int half,
                           const int* __restrict__ pos, const double* __restrict__ invFreq,
                           double cosSinScale) {
    const long long total = 1ll * rows * heads * half;
    for (long long i = blockIdx.x * 1ll * blockDim.x + threadIdx.x; i < total;
         i += 1ll * gridDim.x * blockDim.x) {
        const int j = static_cast<int>(i % half);
        const int h = static_cast<int>(i / half % heads);
        const int row = static_cast<int>(i / (1ll * half * heads));
        const double a = __ldg(pos + row) * __ldg(invFreq + j);
        double sn, cs;
        sincos(a, &sn, &cs);
        cs *= cosSinScale;
        sn *= cosSinScale;
        float* v =
            x + static_cast<std::size_t>(row) * rowStride + static_cast<std::size_t>(h) * headStride + 2 * j;
        const double x0 = v[0], x1 = v[1];
        v[0] = static_cast<float>(x0 * cs - x1 * sn);
        v[1] = static_cast<float>(x0 * sn + x1 * cs);
    }
}

// torch: g = F.silu(g) * u      g, u [n]
__global__ void siluMulKernel(float* __restrict__ g, const float* __restrict__ u, long long n) {
    for (long long i = blockIdx.x * 1ll * blockDim.x + threadIdx.x; i < n;
         i += 1ll * gridDim.x * blockDim.x) {
        const float v = g[i];
        g[i] = v / (1.0f + expf(-v)) * u[i];
    }
}

unsigned gridFor(long long n, int threads) {
    const long long blocks = (n + threads - 1) / threads;
    return static_cast<unsigned>(blocks < 8192 ? blocks : 8192); // grid-stride loops cover the rest
}

} // namespace

cudaError_t rmsNorm(float* x, const float* residual, int rows, int n, const float* w, float eps, float* out,
                    cudaStream_t stream) {
    if (rows < 1 || n < 1 || x == nullptr || w == nullptr || out == nullptr || !(eps >= 0.0f))
        return cudaErrorInvalidValue;
    return launchKernel(&rmsNormKernel, dim3(static_cast<unsigned>(rows)), dim3(kNormThreads), 0, stream, x,
                        residual, n, w, eps, out);
}

cudaError_t ropeInterleaved(float* x, int rows, int heads, int rowStride, int headStride, int dim,
                            const int* pos, const double* invFreq, double cosSinScale, cudaStream_t stream) {
    if (rows < 1 || heads < 1 || dim < 2 || dim % 2 != 0 || headStride < dim ||
        rowStride < static_cast<long long>(heads - 1) * headStride + dim || x == nullptr || pos == nullptr ||
        invFreq == nullptr)
        return cudaErrorInvalidValue;
    const long long total = 1ll * rows * heads * (dim / 2);
    return launchKernel(&ropeKernel, dim3(gridFor(total, 128)), dim3(128), 0, stream, x, rows, heads,
                        rowStride, headStride, dim / 2, pos, invFreq, cosSinScale);
}

cudaError_t siluMul(float* g, const float* u, std::int64_t n, cudaStream_t stream) {
    if (n < 1 || g == nullptr || u == nullptr)
        return cudaErrorInvalidValue;
    return launchKernel(&siluMulKernel, dim3(gridFor(n, 256)), dim3(256), 0, stream, g, u,
                        static_cast<long long>(n));
}

} // namespace ws::cuda
