// Shared by the kernel sources: the launch helper (real or emulated), warp reductions, weight decoding (e4m3
// in hardware from sm_89, in portable bit operations below and under the emulator), and argument checks.
#pragma once

#include "kernels.cuh"

#include <cstddef>
#include <cstdint>
#include <utility>

#ifdef WS_CUDA_EMU // the same sources on the CPU: g++ compiles them as C++ against the emulator
#include "../emu/cuda_emu.h"
#else
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#endif

// Dynamic shared memory as a T*: one untyped extern array per translation unit (typed ones would clash).
#ifdef WS_CUDA_EMU
#define WS_DYN_SMEM(T, name) T* name = static_cast<T*>(::ws::cuda::emu::dynamicSmem())
#else
#define WS_DYN_SMEM(T, name)                                                                                 \
    extern __shared__ __align__(16) unsigned char wsDynamicSmem[];                                           \
    T* name = reinterpret_cast<T*>(wsDynamicSmem)
#endif

// e4m3 -> f16 by the cvt instruction (exact values) on sm_89+; elsewhere by bit operations that give the
// value times 2^-8 (also exact), which the caller undoes by folding kFp8Unscale into the block scale. An
// emulated build with -DWS_CUDA_EMU_FP8_INTRINSICS takes the sm_89+ code through the CUDA headers' host
// implementation of the intrinsics, so that both paths are tested without a GPU.
#if (defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 890) ||                                                      \
    (defined(WS_CUDA_EMU) && defined(WS_CUDA_EMU_FP8_INTRINSICS))
#define WS_FP8_HW 1
#else
#define WS_FP8_HW 0
#endif

namespace ws::cuda {

#ifdef WS_CUDA_EMU
template <class... P, class... A>
cudaError_t launchKernel(void (*kernel)(P...), dim3 grid, dim3 block, std::size_t smem, cudaStream_t stream,
                         A&&... args) {
    return emu::launch(kernel, grid, block, smem, stream, std::forward<A>(args)...);
}
#else
template <class... P, class... A>
cudaError_t launchKernel(void (*kernel)(P...), dim3 grid, dim3 block, std::size_t smem, cudaStream_t stream,
                         A&&... args) {
    kernel<<<grid, block, smem, stream>>>(std::forward<A>(args)...);
    return cudaGetLastError();
}
#endif

__host__ __device__ inline bool aligned16(const void* p) {
    return reinterpret_cast<std::uintptr_t>(p) % 16 == 0;
}

/// The layout contract of DeviceMatrix / MoeWeights: shape, row alignment, FP8 scale width (gemv.cu).
bool validWeightLayout(WeightType type, int rows, int cols, int ld, int scaleLd);

namespace {

constexpr unsigned kFullMask = 0xffffffffu;

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(kFullMask, v, o);
    return v;
}

__device__ __forceinline__ float warpMax(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v = fmaxf(v, __shfl_xor_sync(kFullMask, v, o));
    return v;
}

/// Sum over the block (blockDim.x a multiple of 32); every thread gets the total, added in the same order.
/// Contains __syncthreads; a second call in the same kernel needs a __syncthreads in between.
__device__ __forceinline__ float blockSum(float v) {
    __shared__ float part[32];
    const int lane = static_cast<int>(threadIdx.x) & 31, warp = static_cast<int>(threadIdx.x) >> 5;
    v = warpSum(v);
    if (lane == 0)
        part[warp] = v;
    __syncthreads();
    float total = 0.0f;
    for (int w = 0; w < static_cast<int>(blockDim.x) >> 5; ++w)
        total += part[w];
    return total;
}

/// Sums v[i] (i < P, P a power of two) over the 32 lanes of a warp with P - 1 + ... shuffles instead of 5 P
/// (recursive halving: at each step a lane keeps half its values and receives the partner's half). Afterwards
/// the lane holds the totals of indices base .. base + n - 1 in v[0 .. n), n = max(P / 32, 1); `writer` is
/// false on the lanes that hold a duplicate of another lane's totals (P < 32).
template <int P> struct WarpScatter {
    static constexpr int kHeld = P >= 32 ? P / 32 : 1;
    int base = 0;
    bool writer = true;
};

template <int P> __device__ __forceinline__ WarpScatter<P> warpReduceScatter(float (&v)[P], int lane) {
    static_assert((P & (P - 1)) == 0, "P must be a power of two");
    WarpScatter<P> r;
    int n = P;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        if (n > 1) {
            const int h = n / 2;
            const bool upper = (lane & o) != 0;
#pragma unroll
            for (int i = 0; i < P / 2; ++i) {
                if (i < h) {
                    const float send = upper ? v[i] : v[i + h];
                    const float keep = upper ? v[i + h] : v[i];
                    v[i] = keep + __shfl_xor_sync(kFullMask, send, o);
                }
            }
            if (upper)
                r.base += h;
            n = h;
        } else {
            v[0] += __shfl_xor_sync(kFullMask, v[0], o);
            if (lane & o)
                r.writer = false;
        }
    }
    return r;
}

// ---- weight decoding --------------------------------------------------------------------------------------

template <WeightType WT> struct WeightTraits {
    static constexpr int kSize = weightTypeSize(WT);
    static constexpr int kPerChunk = 16 / kSize; // elements in one 16-byte load
};

__device__ __forceinline__ unsigned word(const uint4& v, int i) {
    return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w;
}

__device__ __forceinline__ float2 half2BitsToFloat2(unsigned bits) {
    __half2_raw raw;
    raw.x = static_cast<unsigned short>(bits & 0xffffu);
    raw.y = static_cast<unsigned short>(bits >> 16);
    return __half22float2(__half2(raw));
}

/// Multiplier that makes decodeFp8x4's values exact (the software path yields value * 2^-8).
constexpr float kFp8Unscale = WS_FP8_HW ? 1.0f : 256.0f;

/// Four e4m3 bytes (the lowest byte is the first element) -> four floats, times 1 / kFp8Unscale.
__device__ __forceinline__ float4 decodeFp8x4(unsigned w) {
#if WS_FP8_HW
    const float2 a = __half22float2(
        __half2(__nv_cvt_fp8x2_to_halfraw2(static_cast<__nv_fp8x2_storage_t>(w & 0xffffu), __NV_E4M3)));
    const float2 b = __half22float2(
        __half2(__nv_cvt_fp8x2_to_halfraw2(static_cast<__nv_fp8x2_storage_t>(w >> 16), __NV_E4M3)));
#else
    // Byte S.EEEE.MMM to the f16 S.0EEEE.MMM0000000: the same bits one exponent field wider, i.e. value *
    // 2^-8 for normals and subnormals alike (e4m3's NaN 0x7F becomes 1.875; checkpoints hold none).
    unsigned lo = ((w & 0xffu) << 8) | ((w & 0xff00u) << 16); // bytes 0, 1 in the high bytes of two halves
    unsigned hi = ((w >> 8) & 0xff00u) | (w & 0xff000000u);   // bytes 2, 3
    lo = (lo & 0x80008000u) | ((lo & 0x7f007f00u) >> 1);
    hi = (hi & 0x80008000u) | ((hi & 0x7f007f00u) >> 1);
    const float2 a = half2BitsToFloat2(lo), b = half2BitsToFloat2(hi);
#endif
    return make_float4(a.x, a.y, b.x, b.y);
}

__device__ __forceinline__ float decodeFp8(unsigned byte) {
#if WS_FP8_HW
    return __half2float(__half(__nv_cvt_fp8_to_halfraw(static_cast<__nv_fp8_storage_t>(byte), __NV_E4M3)));
#else
    return half2BitsToFloat2(((byte & 0x80u) << 8) | ((byte & 0x7fu) << 7)).x;
#endif
}

__device__ __forceinline__ float bf16BitsToFloat(unsigned bits) { return __uint_as_float(bits << 16); }

/// Elements [4q, 4q + 4) of a 16-byte chunk of weights as floats (FP8: times 1 / kFp8Unscale).
template <WeightType WT> __device__ __forceinline__ float4 decodeQuad(const uint4& v, int q) {
    if constexpr (WT == WeightType::FP8E4M3) {
        return decodeFp8x4(word(v, q));
    } else if constexpr (WT == WeightType::BF16) {
        const unsigned a = word(v, 2 * q), b = word(v, 2 * q + 1);
        return make_float4(__uint_as_float(a << 16), __uint_as_float(a & 0xffff0000u),
                           __uint_as_float(b << 16), __uint_as_float(b & 0xffff0000u));
    } else if constexpr (WT == WeightType::F16) {
        const float2 a = half2BitsToFloat2(word(v, 2 * q)), b = half2BitsToFloat2(word(v, 2 * q + 1));
        return make_float4(a.x, a.y, b.x, b.y);
    } else {
        return make_float4(__uint_as_float(v.x), __uint_as_float(v.y), __uint_as_float(v.z),
                           __uint_as_float(v.w));
    }
}

/// Element k of a row of weights (FP8: times 1 / kFp8Unscale).
template <WeightType WT> __device__ __forceinline__ float decodeOne(const unsigned char* row, int k) {
    if constexpr (WT == WeightType::FP8E4M3) {
        return decodeFp8(__ldg(row + k));
    } else if constexpr (WT == WeightType::BF16) {
        return bf16BitsToFloat(__ldg(reinterpret_cast<const unsigned short*>(row) + k));
    } else if constexpr (WT == WeightType::F16) {
        return half2BitsToFloat2(__ldg(reinterpret_cast<const unsigned short*>(row) + k)).x;
    } else {
        return __ldg(reinterpret_cast<const float*>(row) + k);
    }
}

} // namespace

} // namespace ws::cuda
