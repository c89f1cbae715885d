// The small steps of the CUDA forward pass: embedding lookup, MLA's absorbed projections, MoE weighted sum.
// Each reads its weights once per launch for every row; none is on the hot path of the bytes (kv_b_proj is small).
#include "device_common.cuh"
#include "forward_steps.cuh"

namespace ws::cuda {
namespace {

constexpr int kThreads = 128;

/// W[r, k] as a float (FP8: with its 128×128 block scale).
__device__ __forceinline__ float weightAt(const DeviceMatrix& W, int r, int k) {
    const std::size_t i = static_cast<std::size_t>(r) * static_cast<std::size_t>(W.ld) + static_cast<std::size_t>(k);
    switch (W.type) {
    case WeightType::F32: return static_cast<const float*>(W.data)[i];
    case WeightType::F16: return half2BitsToFloat2(static_cast<const unsigned short*>(W.data)[i]).x;
    case WeightType::BF16: return bf16BitsToFloat(static_cast<const unsigned short*>(W.data)[i]);
    case WeightType::FP8E4M3:
        return decodeFp8(static_cast<const unsigned char*>(W.data)[i]) * kFp8Unscale *
               W.scale[static_cast<std::size_t>(r / kFp8Block) * static_cast<std::size_t>(W.scaleLd) +
                       static_cast<std::size_t>(k / kFp8Block)];
    }
    return 0.0f;
}

// torch: x = E[tokens]        one block per row t, threads over the columns
__global__ void embedKernel(DeviceMatrix E, const int* __restrict__ tokens, float* x) {
    const int t = static_cast<int>(blockIdx.x), id = tokens[t];
    float* xr = x + static_cast<std::size_t>(t) * static_cast<std::size_t>(E.cols);
    for (int c = static_cast<int>(threadIdx.x); c < E.cols; c += static_cast<int>(blockDim.x))
        xr[c] = id >= 0 && id < E.rows ? weightAt(E, id, c) : __int_as_float(0x7fc00000); // NaN: bad id
}

// torch: qlat[b, h] = W_UK[h].T @ q_nope[b, h];  qpe[b, h] = q_pe[b, h]
// grid (nh, ceil(R / kThreads)); thread r accumulates every row b (W_UK[h] read once for all rows).
__global__ void absorbQueryKernel(const float* __restrict__ q, DeviceMatrix W, int B, int nh, int dn, int dr,
                                  int dv, float* qlat, float* qpe) {
    const int h = static_cast<int>(blockIdx.x), R = W.cols;
    const int r = static_cast<int>(blockIdx.y * blockDim.x + threadIdx.x);
    const int dq = dn + dr;
    if (r < R) {
        float acc[kMaxGemvTokens];
        for (int b = 0; b < B; ++b) acc[b] = 0.0f;
        for (int d = 0; d < dn; ++d) {
            const float w = weightAt(W, h * (dn + dv) + d, r);
            for (int b = 0; b < B; ++b)
                acc[b] = fmaf(q[(static_cast<std::size_t>(b) * nh + h) * dq + d], w, acc[b]);
        }
        for (int b = 0; b < B; ++b) qlat[(static_cast<std::size_t>(b) * nh + h) * R + r] = acc[b];
    }
    if (blockIdx.y == 0)
        for (int i = static_cast<int>(threadIdx.x); i < B * dr; i += static_cast<int>(blockDim.x)) {
            const int b = i / dr, j = i % dr;
            qpe[(static_cast<std::size_t>(b) * nh + h) * dr + j] = q[(static_cast<std::size_t>(b) * nh + h) * dq + dn + j];
        }
}

// torch: o[b, h] = W_UV[h] @ olat[b, h]        grid (nh, dv); a block reduces over R for every row b
__global__ void valueOutKernel(const float* __restrict__ olat, DeviceMatrix W, int B, int nh, int dn, int dv,
                               float* o) {
    const int h = static_cast<int>(blockIdx.x), v = static_cast<int>(blockIdx.y), R = W.cols;
    const int row = h * (dn + dv) + dn + v;
    float acc[kMaxGemvTokens];
    for (int b = 0; b < B; ++b) acc[b] = 0.0f;
    for (int r = static_cast<int>(threadIdx.x); r < R; r += static_cast<int>(blockDim.x)) {
        const float w = weightAt(W, row, r);
        for (int b = 0; b < B; ++b) acc[b] = fmaf(olat[(static_cast<std::size_t>(b) * nh + h) * R + r], w, acc[b]);
    }
    for (int b = 0; b < B; ++b) {
        const float s = blockSum(acc[b]);
        if (threadIdx.x == 0) o[static_cast<std::size_t>(b) * nh * dv + static_cast<std::size_t>(h) * dv + v] = s;
        __syncthreads(); // blockSum's shared partials are reused by the next row
    }
}

// torch: out[t] += (weights[t, :, None] * y.view(T, k, n)[t]).sum(0)       one block per row t
__global__ void moeCombineKernel(float* out, const float* __restrict__ y, const float* __restrict__ weights, int k,
                                 int n) {
    const int t = static_cast<int>(blockIdx.x);
    for (int c = static_cast<int>(threadIdx.x); c < n; c += static_cast<int>(blockDim.x)) {
        float s = out[static_cast<std::size_t>(t) * n + c];
        for (int j = 0; j < k; ++j)
            s = fmaf(weights[t * k + j], y[(static_cast<std::size_t>(t) * k + j) * n + c], s);
        out[static_cast<std::size_t>(t) * n + c] = s;
    }
}

bool validMatrix(const DeviceMatrix& W) {
    return W.data != nullptr && W.rows > 0 && W.cols > 0 && W.ld >= W.cols &&
           (W.type != WeightType::FP8E4M3 || (W.scale != nullptr && W.scaleLd >= (W.cols + kFp8Block - 1) / kFp8Block));
}

} // namespace

cudaError_t embedRows(const DeviceMatrix& E, const int* tokens, int T, float* x, cudaStream_t stream) {
    if (!validMatrix(E) || T < 1 || tokens == nullptr || x == nullptr) return cudaErrorInvalidValue;
    return launchKernel(&embedKernel, dim3(static_cast<unsigned>(T)), dim3(kThreads), 0, stream, E, tokens, x);
}

cudaError_t mlaAbsorbQuery(const float* q, const DeviceMatrix& W, int B, int nh, int dn, int dr, int dv,
                           float* qlat, float* qpe, cudaStream_t stream) {
    if (!validMatrix(W) || B < 1 || B > kMaxGemvTokens || nh < 1 || dn < 0 || dr < 0 || dv < 1 ||
        W.rows != nh * (dn + dv) || q == nullptr || qlat == nullptr || qpe == nullptr)
        return cudaErrorInvalidValue;
    const dim3 grid(static_cast<unsigned>(nh), static_cast<unsigned>((W.cols + kThreads - 1) / kThreads));
    return launchKernel(&absorbQueryKernel, grid, dim3(kThreads), 0, stream, q, W, B, nh, dn, dr, dv, qlat, qpe);
}

cudaError_t mlaValueOut(const float* olat, const DeviceMatrix& W, int B, int nh, int dn, int dv, float* o,
                        cudaStream_t stream) {
    if (!validMatrix(W) || B < 1 || B > kMaxGemvTokens || nh < 1 || dn < 0 || dv < 1 || W.rows != nh * (dn + dv) ||
        olat == nullptr || o == nullptr)
        return cudaErrorInvalidValue;
    return launchKernel(&valueOutKernel, dim3(static_cast<unsigned>(nh), static_cast<unsigned>(dv)), dim3(kThreads),
                        0, stream, olat, W, B, nh, dn, dv, o);
}

cudaError_t moeCombine(float* out, const float* y, const float* weights, int T, int k, int n, cudaStream_t stream) {
    if (T < 1 || k < 1 || n < 1 || out == nullptr || y == nullptr || weights == nullptr) return cudaErrorInvalidValue;
    return launchKernel(&moeCombineKernel, dim3(static_cast<unsigned>(T)), dim3(kThreads), 0, stream, out, y,
                        weights, k, n);
}

} // namespace ws::cuda
