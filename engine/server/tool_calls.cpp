// Tool calls: the tools section of the prompt (see tool_calls.h).
#include "server/tool_calls.h"

#include "whalesong/grammar.h"

namespace ws::server {

using nlohmann::ordered_json;

std::string toolsSystemPrompt(const ordered_json& tools, const std::string& mustCall) {
    std::string out = "## Tools\n\nYou have access to the following tools:\n";
    for (const auto& t : tools) {
        const ordered_json& fn = t["function"];
        out += "\n### " + fn["name"].get<std::string>() + "\n";
        if (fn.contains("description") && fn["description"].is_string())
            out += "Description: " + fn["description"].get<std::string>() + "\n";
        out += "\nParameters: " +
               fn.value("parameters", ordered_json::object()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
               "\n";
    }
    out += "\nIMPORTANT: ALWAYS adhere to this exact format for tool use:\n";
    out += std::string(kToolCallsBegin) + std::string(kToolCallBegin) + "function" + std::string(kToolSep) +
           "tool_call_name\n```json\ntool_call_arguments\n```" + std::string(kToolCallEnd) + "{additional_tool_calls}" +
           std::string(kToolCallsEnd) + "\n\n";
    out += "Where:\n- `tool_call_name` must be an exact match to one of the available tools\n"
           "- `tool_call_arguments` must be valid JSON that strictly follows the tool's Parameters Schema\n"
           "- For multiple tool calls, put each " + std::string(kToolCallBegin) + "…" + std::string(kToolCallEnd) +
           " on a new line\n";
    if (!mustCall.empty()) out += "\n" + mustCall + "\n";
    return out;
}

} // namespace ws::server
