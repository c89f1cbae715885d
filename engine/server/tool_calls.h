// Tool calls: the tools section added to the prompt; the parser of the model's call text is the engine's
// ws::ToolCallParser (whalesong/tool_call_parser.h).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "whalesong/tool_call_parser.h"

namespace ws::server {

/// The system-prompt section that shows the model its tools and the syntax to call them (README shows the text).
std::string toolsSystemPrompt(const nlohmann::ordered_json& tools, const std::string& mustCall);

using ws::newToolCallId;
using ws::ToolCallParser;

} // namespace ws::server
