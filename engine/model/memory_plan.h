// planMemory: the GPU memory plan over bound weights (shared by planModelMemory and the CUDA backend's load).
#pragma once

#include "model/weights.h"
#include "whalesong/memory_plan.h"

namespace ws {

/// Bytes of scratch the GPU forward pass may need for these options (activations of a prefill chunk or a decode
/// batch, MoE rows, logits, MLA split buffers): an upper bound of what the CUDA backend allocates (today it runs
/// every pass on 16 rows; the bound keeps room for cuBLASLt prefill chunks).
std::uint64_t gpuWorkspaceBytes(const ModelConfig& c, const MemoryPlanOptions& o, int context);

/// Places every tensor on options.gpu and checks the sum against gpus[options.gpu].freeBytes.
MemoryPlan planMemory(const ModelConfig& c, const ModelWeights& w, std::span<const GpuInfo> gpus,
                      const MemoryPlanOptions& options);

} // namespace ws
