// Which compute backend runs a model, and making it: the one place that knows the backends (engine/backends.cpp).
#pragma once

#include <memory>
#include <string>

#include "backend.h"
#include "model/safetensors.h"
#include "model/weights.h"
#include "whalesong/model.h"

namespace ws::detail {

/// The backend that will run, decided before anything is loaded, and why (for Backend::Auto).
struct BackendChoice {
    Backend backend = Backend::Cpu; ///< Cpu or Cuda, never Auto
    std::string note;               ///< with Backend::Auto: why this one ("the CPU, because …"); else empty
};

/// Decides from the options, this build and this machine. Backend::Cuda that cannot run fails with the reason;
/// Backend::Auto falls back to the CPU and says why in the note.
Result<BackendChoice> chooseBackend(const LoadOptions& options);

/// Makes the chosen backend over bound weights (the CPU takes the mappings they point into; a GPU copies them).
/// When Backend::Auto chose CUDA and the GPU cannot take this model, the CPU runs it and `choice` says why.
Result<std::unique_ptr<BackendModel>> createBackend(BackendChoice& choice, const ModelConfig& config,
                                                    TensorStore store, ModelWeights weights,
                                                    const LoadOptions& options);

} // namespace ws::detail
