// The CUDA backend's model: weights uploaded as shipped, a BF16 latent KV cache per session, and the forward pass
// (embed → per layer RMSNorm → absorbed MLA → RMSNorm → dense FFN | MoE over the chosen experts → norm → lm_head)
// on the decode kernels, 1–16 rows per pass. The CPU backend (engine/cpu/forward.cpp) is its reference.
#pragma once

#include <memory>

#include "backend.h"
#include "model/weights.h"
#include "whalesong/devices.h"

namespace ws::cuda {

/// Uploads `weights` to `gpu` (after the memory plan said they fit) and returns the backend. Every CUDA call is
/// checked: a failure names the call, and the tensor or layer, and frees what was allocated.
Result<std::unique_ptr<detail::BackendModel>> createCudaModel(const ModelConfig& config, const ModelWeights& weights,
                                                              const GpuInfo& gpu);

} // namespace ws::cuda
