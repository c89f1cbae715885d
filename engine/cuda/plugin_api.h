// The entry point of the CUDA backend library (libwhalesong_cuda.so), which the engine loads at run time with
// dlopen: neither the app nor whalesong-cli links CUDA, cuBLAS or cuBLASLt, so both start on machines without them.
#pragma once

#include <memory>

#include "backend.h"
#include "model/safetensors.h"
#include "model/weights.h"
#include "whalesong/devices.h"
#include "whalesong/model.h"

namespace ws::cuda {

/// Bumped whenever PluginApi or a type it passes changes.
constexpr int kPluginAbi = 1;
/// The exported symbol that returns the PluginApi (extern "C", no mangling).
constexpr const char* kPluginEntry = "whalesong_cuda_plugin_v1";
/// The library's file name.
constexpr const char* kPluginFile = "libwhalesong_cuda.so";

/// The build the library belongs to: engine and library pass C++ objects to each other, so they must come from the
/// same sources and compiler. CMake defines WS_BUILD_ID (version, compiler, sanitizers) for both.
#ifndef WS_BUILD_ID
#error "WS_BUILD_ID must be defined by the build"
#endif

struct PluginApi {
    int abi = kPluginAbi;
    const char* buildId = WS_BUILD_ID;
    /// Layouts of what crosses the boundary, checked as well (cheap insurance against a stale library).
    std::size_t sizes[4] = {sizeof(ModelConfig), sizeof(ModelWeights), sizeof(LoadOptions), sizeof(DeviceReport)};
    /// The visible GPUs, or why none is usable. Never throws.
    DeviceReport (*queryDevices)() = nullptr;
    /// Uploads the weights to the GPU in `options.gpu` and returns the backend, or why it cannot (nothing stays
    /// allocated then). The mapped weights are read during the call only.
    Result<std::unique_ptr<detail::BackendModel>> (*createModel)(const ModelConfig& config, const TensorStore& store,
                                                                 const ModelWeights& weights,
                                                                 const LoadOptions& options) = nullptr;
};

} // namespace ws::cuda

extern "C" {
/// Exported by libwhalesong_cuda.so.
using WsCudaPluginEntry = const ws::cuda::PluginApi* (*)();
}
