// writeRandomModel(): a DeepSeek-V3/V2-architecture model folder with random weights, deterministic by seed —
// the app's built-in demo model and test models, written without Python.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "whalesong/status.h"

namespace ws {

enum class RandomDtype { F32, BF16, FP8 }; ///< FP8: e4m3 with 128×128 block scales (weight_scale_inv)

struct RandomModelSpec {
    /// config.json text as published (DeepSeek-V3 field names); written to the folder as it is.
    std::string configJson;
    RandomDtype dtype = RandomDtype::BF16;
    std::uint64_t seed = 0;
    /// Optional: called on the writing thread with the fraction written (0..1, never decreasing, ends at 1);
    /// returning false cancels (Code::Cancelled, no file left behind).
    std::function<bool(double fraction)> progress;
};

/// Writes config.json and model.safetensors into `dir` (created if needed): every tensor the config calls for
/// (the MTP layers of a V3 config included), each drawn from its own std::mt19937_64 seeded by (seed, tensor name)
/// through a Box-Muller normal, scaled as tools/gen_tiny_model.py does so activations stay of order one. The same
/// spec gives byte-identical files on every platform (up to the libm's log/sin/cos). F32: all F32; BF16: all BF16
/// but the F32 e_score_correction_bias; FP8: linears F8_E4M3 with F32 `weight_scale_inv` blocks of the config's
/// quantization_config.weight_block_size (needed), the rest as BF16. A stale model.safetensors.index.json is
/// removed. The tokenizer files are the caller's. Atomic per file (written under a temporary name, fsynced, then
/// renamed). Errors name the file or the config field; not enough disk space is reported before writing.
Status writeRandomModel(const std::filesystem::path& dir, const RandomModelSpec& spec);

/// The built-in demo model's config.json: a tiny DeepSeek-V3 (4 layers, 256 wide, 16 routed experts, the real
/// 129,280-token vocabulary, 4,096 context).
std::string demoModelConfigJson();

} // namespace ws
