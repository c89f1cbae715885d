// libwhalesong_cuda.so's entry point: the GPUs the CUDA runtime sees, and the CUDA backend for a model.
#include <cuda_runtime_api.h>

#include <algorithm>

#include "cuda/cuda_model.h"
#include "cuda/plugin_api.h"
#include "model/memory_plan.h"

namespace ws::cuda {
namespace {

DeviceReport queryCudaDevices() {
    DeviceReport r;
    r.backends = {"cpu", "cuda"};
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
    return r;
}

Result<std::unique_ptr<detail::BackendModel>> createModel(const ModelConfig& config, const TensorStore&,
                                                              const ModelWeights& weights, const LoadOptions& options) {
    using R = Result<std::unique_ptr<detail::BackendModel>>;
    // The plan first: a model that does not fit fails before a byte is uploaded, saying what would fit.
    const DeviceReport devices = queryCudaDevices();
    MemoryPlanOptions po;
    po.gpu = options.gpu;
    po.context = options.context > 0 ? std::min(options.context, config.max_position_embeddings)
                                     : config.max_position_embeddings;
    const MemoryPlan plan = planMemory(config, weights, devices.gpus, po);
    if (!plan.fits) return R(Code::OutOfMemory, plan.problem);
    return createCudaModel(config, weights, devices.gpus[static_cast<std::size_t>(options.gpu)]);
}

const PluginApi kApi = [] {
    PluginApi api;
    api.queryDevices = queryCudaDevices;
    api.createModel = createModel;
    return api;
}();

} // namespace
} // namespace ws::cuda

extern "C" __attribute__((visibility("default"))) const ws::cuda::PluginApi* whalesong_cuda_plugin_v1() {
    return &ws::cuda::kApi;
}
