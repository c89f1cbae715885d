// queryDevices(): the CPU always; CUDA devices through the CUDA runtime when the backend is built in.
#include "whalesong/devices.h"

#ifdef WS_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace ws {

bool cudaBuilt() {
#ifdef WS_HAVE_CUDA
    return true;
#else
    return false;
#endif
}

DeviceReport queryDevices() {
    DeviceReport r;
    r.backends.push_back("cpu");
#ifdef WS_HAVE_CUDA
    r.backends.push_back("cuda");
    int count = 0;
    if (const cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess) {
        r.gpuProblem = std::string("the CUDA runtime finds no device: ") + cudaGetErrorString(e);
        return r;
    }
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp p{};
        if (const cudaError_t e = cudaGetDeviceProperties(&p, i); e != cudaSuccess) {
            r.gpuProblem = "GPU " + std::to_string(i) + ": " + cudaGetErrorString(e);
            continue;
        }
        GpuInfo g;
        g.index = i;
        g.name = p.name;
        g.computeMajor = p.major;
        g.computeMinor = p.minor;
        g.totalBytes = p.totalGlobalMem;
        std::size_t freeBytes = 0, totalBytes = 0;
        if (cudaSetDevice(i) == cudaSuccess && cudaMemGetInfo(&freeBytes, &totalBytes) == cudaSuccess)
            g.freeBytes = freeBytes;
        r.gpus.push_back(g);
    }
    if (r.gpus.empty() && r.gpuProblem.empty()) r.gpuProblem = "no CUDA device is visible";
#else
    r.gpuProblem = "this build has no CUDA backend (the CUDA toolkit was not found when it was configured)";
#endif
    return r;
}

} // namespace ws
