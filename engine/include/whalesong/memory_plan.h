// The memory plan of a model on a GPU, made before anything is uploaded: bytes of weights, KV cache and
// workspace per device against the free memory, with a placement decided per tensor.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "whalesong/devices.h"
#include "whalesong/status.h"

namespace ws {

struct MemoryPlanOptions {
    int context = 0;       ///< tokens of KV cache per session; 0 = the model's max_position_embeddings
    int sessions = 1;      ///< sessions whose caches are held at once
    int prefillChunk = 512; ///< prompt rows computed at once
    int maxBatch = 16;     ///< decode rows computed at once (continuous batching)
    int gpu = 0;           ///< the device the whole model goes to
    std::uint64_t kvElementBytes = 2; ///< BF16 latent cache
    /// CUDA context, cuBLAS/cuBLASLt workspaces, graphs: held back from the free memory.
    std::uint64_t reserveBytes = std::uint64_t{768} << 20;
};

/// Where one tensor lives: a device index, or kHost.
struct TensorPlacement {
    static constexpr int kHost = -1;
    std::string name;
    std::uint64_t bytes = 0;
    int device = kHost;
};

struct DeviceMemory {
    int device = 0;
    std::string name;
    std::uint64_t weightBytes = 0;
    std::uint64_t kvBytes = 0;
    std::uint64_t workspaceBytes = 0;
    std::uint64_t reserveBytes = 0;
    std::uint64_t freeBytes = 0;
    std::uint64_t neededBytes() const { return weightBytes + kvBytes + workspaceBytes + reserveBytes; }
};

struct MemoryPlan {
    int context = 0;
    int sessions = 1;
    std::uint64_t kvBytesPerToken = 0; ///< all layers, one session
    std::vector<TensorPlacement> tensors;
    std::vector<DeviceMemory> devices;
    bool fits = false;
    int maxContext = 0;   ///< the longest context that fits with these options (0: not even the weights do)
    std::string problem;  ///< when it does not fit: bytes needed and free, and the context that would fit
};

/// Plans `dir` (config.json and safetensors headers are read; no weight is) for GPU options.gpu of `gpus`.
/// Errors name the file, tensor or field; a plan that does not fit is a result (fits = false), not an error.
Result<MemoryPlan> planModelMemory(const std::filesystem::path& dir, std::span<const GpuInfo> gpus,
                                   const MemoryPlanOptions& options);

} // namespace ws
