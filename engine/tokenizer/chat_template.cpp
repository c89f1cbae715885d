// DeepSeek-V3 chat template (Dec 2024 tokenizer_config.json), including its tool-call quirks, without Jinja.
#include "tokenizer/chat_template.h"

namespace ws::detail {
namespace {

constexpr std::string_view kUser = "<｜User｜>";
constexpr std::string_view kAssistant = "<｜Assistant｜>";
constexpr std::string_view kEos = "<｜end▁of▁sentence｜>";
constexpr std::string_view kCallsBegin = "<｜tool▁calls▁begin｜>";
constexpr std::string_view kCallsEnd = "<｜tool▁calls▁end｜>";
constexpr std::string_view kCallBegin = "<｜tool▁call▁begin｜>";
constexpr std::string_view kCallEnd = "<｜tool▁call▁end｜>";
constexpr std::string_view kSep = "<｜tool▁sep｜>";
constexpr std::string_view kOutputsBegin = "<｜tool▁outputs▁begin｜>";
constexpr std::string_view kOutputsEnd = "<｜tool▁outputs▁end｜>";
constexpr std::string_view kOutputBegin = "<｜tool▁output▁begin｜>";
constexpr std::string_view kOutputEnd = "<｜tool▁output▁end｜>";

/// tool['type'] + sep + name + "\n```json\n" + arguments + "\n```" + call end, shared by both call forms.
void appendCall(std::string& out, const ToolCall& call) {
    out.append(kCallBegin).append(call.type).append(kSep).append(call.name);
    out.append("\n```json\n").append(call.arguments).append("\n```").append(kCallEnd);
}

} // namespace

Result<std::string> renderDeepSeekV3Chat(std::span<const ChatMessage> messages, bool addGenerationPrompt,
                                         std::string_view bosToken) {
    // Jinja fails on str + None; so do we, naming the message.
    const auto contentOf = [&](std::size_t i) -> const std::string* {
        return messages[i].content ? &*messages[i].content : nullptr;
    };
    const auto missing = [](std::size_t i, const std::string& role) {
        return Result<std::string>(Code::InvalidArgument, "chat message " + std::to_string(i) + " (" + role +
                                                              "): content is missing");
    };

    // Pass 1: every system message, hoisted to the front and joined with a blank line.
    std::string out(bosToken);
    bool firstSystem = true;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const ChatMessage& m = messages[i];
        if (m.role == "system") {
            if (!contentOf(i))
                return missing(i, m.role);
            if (!firstSystem)
                out.append("\n\n");
            out.append(*contentOf(i));
            firstSystem = false;
        }
    }

    // Pass 2: the conversation. The flags are the template's ns.is_first / ns.is_tool / ns.is_output_first,
    // which live for the whole conversation, not per message: that is where the quirks come from.
    bool calledBefore = false; // ns.is_first
    bool inTool = false;       // ns.is_tool
    bool firstOutput = true;   // ns.is_output_first
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const ChatMessage& m = messages[i];
        const std::string* content = contentOf(i);
        if (m.role == "user") {
            if (!content)
                return missing(i, m.role);
            inTool = false;
            out.append(kUser).append(*content);
        } else if (m.role == "assistant" && !content) {
            inTool = false;
            for (const ToolCall& call : m.toolCalls) {
                if (!calledBefore) {
                    // Only the first call of the whole conversation opens the block.
                    out.append(kAssistant).append(kCallsBegin);
                    appendCall(out, call);
                    calledBefore = true;
                } else {
                    // Every later call closes the block (and the turn) again.
                    out.append("\n");
                    appendCall(out, call);
                    out.append(kCallsEnd).append(kEos);
                }
            }
        } else if (m.role == "assistant") {
            if (inTool) {
                out.append(kOutputsEnd).append(*content).append(kEos);
                inTool = false;
            } else {
                out.append(kAssistant).append(*content).append(kEos);
            }
        } else if (m.role == "tool") {
            if (!content)
                return missing(i, m.role);
            inTool = true;
            if (firstOutput) {
                out.append(kOutputsBegin).append(kOutputBegin).append(*content).append(kOutputEnd);
                firstOutput = false;
            } else {
                out.append("\n").append(kOutputBegin).append(*content).append(kOutputEnd);
            }
        }
    }
    if (inTool)
        out.append(kOutputsEnd);
    if (addGenerationPrompt && !inTool)
        out.append(kAssistant);
    return out;
}

} // namespace ws::detail
