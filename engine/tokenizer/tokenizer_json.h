// The tokenizer built from tokenizer.json / tokenizer_config.json content already in memory (GGUF metadata is
// turned into the same shape).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "whalesong/tokenizer.h"

namespace ws::detail {

/// `tokenizer`: a tokenizer.json document; `config`: tokenizer_config.json (nullptr: none); `source` names
/// them in messages.
Result<std::unique_ptr<Tokenizer>> tokenizerFromJson(const nlohmann::json& tokenizer, const nlohmann::json* config,
                                                     const std::string& source);

} // namespace ws::detail
