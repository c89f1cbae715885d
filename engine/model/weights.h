// ModelWeights: every tensor of the checkpoint, located in the mapped files, named, shaped and typed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/dtype.h"
#include "model/safetensors.h"
#include "whalesong/model.h"
#include "whalesong/model_config.h"

namespace ws {

/// A row-major weight matrix [rows, cols] (PyTorch's [out_features, in_features]) as stored in the file.
/// FP8 matrices carry one float scale per (blockRows × blockCols) block: [ceil(rows/br), ceil(cols/bc)].
struct Matrix {
    DType dtype = DType::F32;
    int rows = 0;
    int cols = 0;
    const void* data = nullptr;
    const float* scale = nullptr; // FP8 only: weight_scale_inv, multiplied in
    int blockRows = 0;
    int blockCols = 0;
    std::string name;

    std::size_t rowBytes() const { return rowBytesOf(dtype, cols); }
    const std::uint8_t* row(int r) const {
        return static_cast<const std::uint8_t*>(data) + static_cast<std::size_t>(r) * rowBytes();
    }
    /// Scale of element (r, c); 1 when not block-scaled.
    float scaleAt(int r, int c) const {
        if (!scale) return 1.0f;
        const int nbc = (cols + blockCols - 1) / blockCols;
        return scale[(r / blockRows) * nbc + c / blockCols];
    }
    /// Dequantises row r, columns [c0, c0 + n), into out (any range, also inside a quantisation block).
    void rowToFloat(int r, int c0, int n, float* out) const;
    std::size_t bytes() const;
};

struct ExpertWeights {
    Matrix gate; // [ffn, hidden]
    Matrix up;   // [ffn, hidden]
    Matrix down; // [hidden, ffn]
};

struct LayerWeights {
    std::vector<float> attn_norm; // [hidden]
    Matrix q_a;                   // [q_lora_rank, hidden] (when q_lora_rank)
    std::vector<float> q_a_norm;  // [q_lora_rank]
    Matrix q_b;                   // [heads * (nope + rope), q_lora_rank]; or q_proj [heads*(nope+rope), hidden]
    Matrix kv_a;                  // [kv_lora_rank + rope, hidden]
    std::vector<float> kv_a_norm; // [kv_lora_rank]
    Matrix kv_b;                  // [heads * (nope + v), kv_lora_rank]; or, from GGUF files converted since 2025:
    Matrix k_b;                   // [heads * kv_lora_rank, nope]: W_UKᵀ per head (kv_b then has no data)
    Matrix v_b;                   // [heads * v, kv_lora_rank]: W_UV
    Matrix o;                     // [hidden, heads * v]
    std::vector<float> ffn_norm;  // [hidden]
    bool moe = false;
    ExpertWeights dense;               // dense FFN (intermediate_size)
    Matrix router;                     // [n_routed, hidden]
    std::vector<float> router_bias;    // [n_routed] e_score_correction_bias (V3; empty otherwise)
    std::vector<ExpertWeights> experts; // n_routed × moe_intermediate_size
    ExpertWeights shared;              // moe_intermediate_size * n_shared (rows 0 when none)
};

struct ModelWeights {
    Matrix embed;   // [vocab, hidden]
    std::vector<LayerWeights> layers;
    std::vector<float> norm; // [hidden]
    Matrix lm_head; // [vocab, hidden]
    std::vector<std::string> dtypes; // distinct dtypes of the matrices, for info
    std::uint64_t mtpParameters = 0; // parameters of the MTP layer(s), recognised and not run

    /// Binds every tensor the config calls for; errors name the file, tensor, shape and config field.
    static Result<ModelWeights> bind(const TensorStore& store, const ModelConfig& config);
};

/// The model card of bound weights (Model::load and inspectModelFolder share it); `fileBytes`: the safetensors files.
ModelInfo computeModelInfo(const ModelConfig& config, const ModelWeights& weights, std::uint64_t fileBytes);

} // namespace ws
