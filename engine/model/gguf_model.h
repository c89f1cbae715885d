// A GGUF model (llama.cpp architecture "deepseek2") as the engine sees a Hugging Face folder: config, tensors
// under their Hugging Face names, tokenizer and chat template from the metadata.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "model/gguf.h"
#include "model/safetensors.h"
#include "whalesong/model_config.h"
#include "whalesong/tokenizer.h"

namespace ws {

/// Tensors of one ggml type in a file: how many and their bytes ("the quantization mix").
struct GgufTypeShare {
    std::string type; ///< ggml's name: "q4_K", "f32" …
    int tensors = 0;
    std::uint64_t bytes = 0;
};

struct GgufModel {
    std::shared_ptr<const GgufSet> files;
    ModelConfig config;
    TensorStore store;           ///< views renamed to model.layers.N.… (experts split out of the merged tensors)
    std::string fileType;        ///< general.file_type as llama.cpp names it ("Q4_K_M"), or ""
    std::vector<GgufTypeShare> typeMix; ///< by bytes, largest first
};

/// Opens a .gguf file (or the first part of a split set), reads the deepseek2 hyper-parameters into a
/// ModelConfig and maps every tensor to the name and PyTorch shape ModelWeights::bind expects; both MLA layouts
/// (attn_kv_b, or attn_k_b + attn_v_b). Errors name the file, the key or the tensor.
Result<GgufModel> openGgufModel(const std::filesystem::path& path);

/// The byte-level BPE tokenizer of the metadata (tokenizer.ggml.*: gpt2 model, tokens, token types, merges, the
/// pre-tokenizer by name — deepseek-v3, deepseek-llm, deepseek-coder — BOS/EOS, add_bos_token).
Result<std::unique_ptr<Tokenizer>> tokenizerFromGguf(const GgufFile& file);

} // namespace ws
