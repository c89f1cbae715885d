// inspectModelFolder(): what a model folder holds and everything wrong with it, without loading it — the
// settings dialog's live validation.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "whalesong/model.h"
#include "whalesong/model_config.h"

namespace ws {

struct FolderReport {
    /// Every problem found (not only the first), each naming the file, tensor or field at fault:
    /// "config.json: missing", "tokenizer.json: missing", "config.json: model_type \"llama\" is not supported
    /// (deepseek_v3, deepseek_v2)", "model-00002-of-00002.safetensors: missing (listed in the index)", ….
    std::vector<std::string> problems;
    std::optional<ModelConfig> config; ///< when config.json is valid
    std::optional<ModelInfo> info;     ///< when config.json and the weights' headers agree (the model card)
    bool ok() const { return problems.empty(); }
};

/// Reads config.json, the safetensors headers (not the weights: only the norm vectors' few pages are touched while
/// binding) and loads the tokenizer as Model::load does, so its cost is about that of Tokenizer::load. Names are
/// relative to `dir`. Never throws; a missing or unreadable folder is a problem like any other. Thread-safe.
/// `dir` may also be a .gguf file (the first part of a split set): its metadata, tensor table and tokenizer are
/// checked the same way (names relative to its folder), and the model card gets the file's quantization mix.
FolderReport inspectModelFolder(const std::filesystem::path& dir);

} // namespace ws
