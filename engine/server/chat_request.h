// ChatRequest: a /v1/chat/completions body as DeepSeek's and OpenAI's documentation describe it, checked field by
// field, and the OpenAI-shaped error that names the field at fault.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "whalesong/grammar.h"
#include "whalesong/sampler.h"
#include "whalesong/tokenizer.h"

namespace ws::server {

/// {"error": {"message", "type", "param", "code"}} with its HTTP status.
struct ApiError {
    int status = 400;
    std::string message;
    std::string type = "invalid_request_error";
    std::string param; ///< "" → null
    std::string code;  ///< "" → null

    nlohmann::json toJson() const;
    /// toJson() as text; invalid UTF-8 echoed from the request is replaced, so writing an error never throws.
    std::string body() const;
};

/// `j` as text with invalid UTF-8 replaced (U+FFFD) instead of throwing.
std::string safeDump(const nlohmann::json& j);

ApiError invalidField(std::string param, std::string message);

constexpr int kMaxChoices = 16;

/// /v1/completions and /beta/completions: a raw prompt (and a suffix: fill in the middle).
struct TextCompletion {
    std::string prompt;
    std::optional<std::string> suffix;
    bool echo = false; ///< the answer starts with the prompt
};

struct ChatRequest {
    std::string model;
    std::vector<ChatMessage> messages;
    SamplingParams sampling;      ///< seed already drawn when the request had none
    int maxTokens = 0;            ///< max_completion_tokens, else max_tokens, else the server's default
    std::vector<std::string> stop;
    int n = 1;
    bool stream = false;
    bool includeUsage = false;    ///< stream_options.include_usage
    int logprobs = -1;            ///< -1: logprobs off; else top_logprobs (0..20)
    std::optional<std::string> assistantPrefix; ///< the last message had "prefix": true: the answer continues it
    /// That message's reasoning_content: the model's thinking continues it (the prompt must open a <think> block).
    std::optional<std::string> reasoningPrefix;
    std::string reasoningPrefixField;
    /// Set when the prompt is built: it ends inside a <think> block, so the answer starts as reasoning_content.
    bool answerStartsInReasoning = false;
    std::optional<TextCompletion> text; ///< a text completion (text_completion objects), not a chat
    /// thinking {"type": "enabled"|"disabled"} or reasoning_effort: the V3.1 template's `thinking` switch; which
    /// field set it (for the 400 when the model has no such switch).
    std::optional<bool> thinking;
    std::string thinkingField;
    /// response_format json_object / json_schema, or a forced tool call: the grammar every choice is constrained
    /// to (null: free text).
    std::shared_ptr<const Grammar> grammar;
    nlohmann::ordered_json tools = nlohmann::ordered_json::array(); ///< as sent, checked
    std::string toolChoice = "auto"; ///< none | auto | required | function (toolName)
    std::string toolName;
    bool parallelToolCalls = true;
    /// Tools are offered (and the answer is parsed for calls).
    bool toolsOffered() const { return !tools.empty() && toolChoice != "none"; }
};

/// Checks every field we honour (unknown fields are ignored, as the gateways do). `randomSeed` fills a missing
/// seed. Errors name the field: param "messages[2].content[0].type", message "… got …".
std::optional<ApiError> parseChatRequest(const nlohmann::json& body, int defaultMaxTokens,
                                         std::uint64_t randomSeed, ChatRequest& out);

/// Reads response_format (the request body parsed again with its keys in order, so that a schema's properties
/// come out in the order written): {"type": "text"}, {"type": "json_object"} or {"type": "json_schema",
/// "json_schema": {"name", "schema", "strict"}}. A schema keyword we cannot enforce is a 400 naming its path.
/// Compiled grammars are kept (64, by schema text), so a repeated schema reuses its mask caches.
std::optional<ApiError> parseResponseFormat(const nlohmann::ordered_json& body, ChatRequest& out);

/// Reads tools, tool_choice and parallel_tool_calls (from the ordered body); with "required" or a named function,
/// compiles the grammar that forces a call whose arguments satisfy the tool's parameters. Then adds the tools
/// section to the system prompt (a system message of its own at the front when there is none).
std::optional<ApiError> parseTools(const nlohmann::ordered_json& body, ChatRequest& out);

} // namespace ws::server
