// The tokenizer built from tokenizer.json / tokenizer_config.json content already in memory (GGUF metadata is
// turned into the same shape).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "whalesong/tokenizer.h"

namespace ws::detail {

/// `tokenizer`: a tokenizer.json document; `config`: tokenizer_config.json (nullptr: none); `source` names
/// them in messages. `chatTemplate` (when not empty) overrides config's chat_template; `templateSource` says where
/// it came from.
Result<std::unique_ptr<Tokenizer>> tokenizerFromJson(const nlohmann::json& tokenizer, const nlohmann::json* config,
                                                     const std::string& source, const std::string& chatTemplate = {},
                                                     const std::string& templateSource = {});

} // namespace ws::detail
