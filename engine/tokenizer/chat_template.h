// The DeepSeek-V3 chat template (tokenizer_config.json chat_template), written out by hand in C++.
#pragma once

#include "whalesong/status.h"
#include "whalesong/tokenizer.h"

#include <span>
#include <string>
#include <string_view>

namespace ws::detail {

/// Renders `messages` as Jinja renders DeepSeek-V3's template, `bosToken` standing for {{bos_token}}.
/// Fails, naming the message index, on missing content the template would concatenate. Roles are checked by the
/// caller (Tokenizer::renderChat), before any template runs.
Result<std::string> renderDeepSeekV3Chat(std::span<const ChatMessage> messages, bool addGenerationPrompt,
                                         std::string_view bosToken);

} // namespace ws::detail
