// The CUDA runtime calls of the CUDA backend's host code, on the CPU (with cuda_emu.h's kernels): device memory
// is host memory, copies are memcpy, a stream runs each launch to completion. So the whole CUDA forward pass runs,
// and is checked against the CPU backend, on a machine without a GPU (under ASan and TSan too).
#pragma once

#ifdef WS_CUDA_EMU

#include <cstdlib>
#include <cstring>

#include <cuda_runtime_api.h>

namespace ws::cuda::emu {

inline cudaError_t rtMalloc(void** p, std::size_t bytes) {
    *p = bytes ? std::aligned_alloc(256, (bytes + 255) / 256 * 256) : nullptr;
    return bytes == 0 || *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
inline cudaError_t rtFree(void* p) {
    std::free(p);
    return cudaSuccess;
}
inline cudaError_t rtMemcpy(void* d, const void* s, std::size_t n) {
    if (n) std::memcpy(d, s, n);
    return cudaSuccess;
}
inline cudaError_t rtMemcpy2D(void* d, std::size_t dpitch, const void* s, std::size_t spitch, std::size_t width,
                              std::size_t height) {
    if (width > dpitch || width > spitch) return cudaErrorInvalidPitchValue;
    for (std::size_t r = 0; r < height; ++r)
        std::memcpy(static_cast<char*>(d) + r * dpitch, static_cast<const char*>(s) + r * spitch, width);
    return cudaSuccess;
}
inline cudaError_t rtMemset(void* d, int v, std::size_t n) {
    if (n) std::memset(d, v, n);
    return cudaSuccess;
}
inline const char* rtErrorString(cudaError_t e) {
    switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    default: return "emulated CUDA error";
    }
}
inline cudaError_t rtOk() { return cudaSuccess; }

} // namespace ws::cuda::emu

#define cudaMalloc(p, n) (::ws::cuda::emu::rtMalloc(reinterpret_cast<void**>(p), (n)))
#define cudaFree(p) (::ws::cuda::emu::rtFree(p))
#define cudaMemcpy(d, s, n, kind) (::ws::cuda::emu::rtMemcpy((d), (s), (n)))
#define cudaMemcpyAsync(d, s, n, kind, stream) (::ws::cuda::emu::rtMemcpy((d), (s), (n)))
#define cudaMemcpy2D(d, dp, s, sp, w, h, kind) (::ws::cuda::emu::rtMemcpy2D((d), (dp), (s), (sp), (w), (h)))
#define cudaMemset(d, v, n) (::ws::cuda::emu::rtMemset((d), (v), (n)))
#define cudaMemsetAsync(d, v, n, stream) (::ws::cuda::emu::rtMemset((d), (v), (n)))
#define cudaStreamCreateWithFlags(s, f) (*(s) = nullptr, ::ws::cuda::emu::rtOk())
#define cudaStreamDestroy(s) (static_cast<void>(s), ::ws::cuda::emu::rtOk())
#define cudaStreamSynchronize(s) (static_cast<void>(s), ::ws::cuda::emu::rtOk())
#define cudaSetDevice(d) (static_cast<void>(d), ::ws::cuda::emu::rtOk())
#define cudaGetErrorString(e) (::ws::cuda::emu::rtErrorString(e))

#endif
