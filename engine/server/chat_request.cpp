// ChatRequest parsing: the fields of /v1/chat/completions (DeepSeek API docs; OpenAI's reference), checked with
// messages that name the field, the type or range expected and the value received.
#include "server/chat_request.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <mutex>

#include "server/tool_calls.h"
#include "whalesong/generate.h"

namespace ws::server {
namespace {

using nlohmann::json;

std::string typeName(const json& v) {
    switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    default: return "unknown";
    }
}

std::string shown(const json& v) {
    std::string s = safeDump(v);
    if (s.size() > 40) {
        std::size_t cut = 37;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut; // not inside a character
        s = s.substr(0, cut) + "...";
    }
    return s;
}

ApiError wrongType(const std::string& param, const char* expected, const json& v) {
    return invalidField(param, param + " must be " + expected + ", got " + typeName(v));
}

/// A number in [lo, hi] (null or absent leaves `out` as it is).
std::optional<ApiError> number(const json& body, const char* key, double lo, double hi, float& out) {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) return wrongType(key, "a number", *it);
    const double v = it->get<double>();
    if (!(v >= lo && v <= hi))
        return invalidField(key, std::string(key) + " must be in [" + shown(json(lo)) + ", " + shown(json(hi)) +
                                     "], got " + shown(*it));
    out = static_cast<float>(v);
    return std::nullopt;
}

/// An integer in [lo, hi]; 3.0 counts as an integer, 3.5 does not.
std::optional<ApiError> integer(const json& body, const char* key, std::int64_t lo, std::int64_t hi,
                                std::optional<std::int64_t>& out) {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) return std::nullopt;
    std::int64_t v = 0;
    if (it->is_number_unsigned()) { // before is_number_integer(), which is true for unsigned values too
        const std::uint64_t u = it->get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(hi))
            return invalidField(key, std::string(key) + " must be at most " + std::to_string(hi) + ", got " +
                                         shown(*it));
        v = static_cast<std::int64_t>(u);
    } else if (it->is_number_integer()) {
        v = it->get<std::int64_t>();
    } else if (it->is_number_float() && std::floor(it->get<double>()) == it->get<double>() &&
               std::abs(it->get<double>()) < 9e15) {
        v = static_cast<std::int64_t>(it->get<double>());
    } else {
        return wrongType(key, "an integer", *it);
    }
    if (v < lo || v > hi)
        return invalidField(key, std::string(key) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                     "], got " + shown(*it));
    out = v;
    return std::nullopt;
}

std::optional<ApiError> boolean(const json& body, const char* key, bool& out) {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) return wrongType(key, "a boolean", *it);
    out = it->get<bool>();
    return std::nullopt;
}

/// content: a string, an array of {"type":"text","text":…} parts (joined with newlines, as vLLM does), or null.
std::optional<ApiError> content(const json& v, const std::string& param, std::optional<std::string>& out) {
    if (v.is_null()) return std::nullopt;
    if (v.is_string()) {
        out = v.get<std::string>();
        return std::nullopt;
    }
    if (!v.is_array()) return wrongType(param, "a string or an array of content parts", v);
    std::string text;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string p = param + "[" + std::to_string(i) + "]";
        const json& part = v[i];
        if (!part.is_object()) return wrongType(p, "an object", part);
        const auto type = part.find("type");
        if (type == part.end() || !type->is_string()) return invalidField(p + ".type", p + ".type must be a string");
        if (*type != "text")
            return invalidField(p + ".type", p + ".type " + shown(*type) +
                                                 " is not supported: this model reads text parts only");
        const auto t = part.find("text");
        if (t == part.end() || !t->is_string()) return invalidField(p + ".text", p + ".text must be a string");
        if (i > 0) text += '\n';
        text += t->get<std::string>();
    }
    out = std::move(text);
    return std::nullopt;
}

std::optional<ApiError> message(const json& m, std::size_t index, ChatMessage& out) {
    const std::string param = "messages[" + std::to_string(index) + "]";
    if (!m.is_object()) return wrongType(param, "an object", m);
    const auto role = m.find("role");
    if (role == m.end() || !role->is_string())
        return invalidField(param + ".role", param + ".role must be a string");
    std::string r = role->get<std::string>();
    if (r == "developer") r = "system"; // OpenAI's newer name for the system role
    if (r != "system" && r != "user" && r != "assistant" && r != "tool")
        return invalidField(param + ".role", param + ".role must be one of system, user, assistant, tool; got " +
                                                 shown(*role));
    out.role = r;
    const auto c = m.find("content");
    if (c != m.end())
        if (auto e = content(*c, param + ".content", out.content)) return e;
    if (const auto calls = m.find("tool_calls"); calls != m.end() && !calls->is_null()) {
        if (r != "assistant" || !calls->is_array())
            return invalidField(param + ".tool_calls", param + ".tool_calls must be an array on an assistant message");
        for (std::size_t i = 0; i < calls->size(); ++i) {
            const json& call = (*calls)[i];
            const std::string p = param + ".tool_calls[" + std::to_string(i) + "]";
            const json fn = call.is_object() ? call.value("function", json()) : json();
            if (!fn.is_object() || !fn.value("name", json()).is_string())
                return invalidField(p + ".function", p + ".function must be an object with a string name");
            ToolCall tc;
            tc.name = fn["name"].get<std::string>();
            const json args = fn.value("arguments", json(""));
            tc.arguments = args.is_string() ? args.get<std::string>() : args.dump();
            out.toolCalls.push_back(std::move(tc));
        }
    }
    if (!out.content && out.toolCalls.empty())
        return invalidField(param + ".content", param + ".content is required");
    // DeepSeek-V3's template renders an assistant turn's tool calls only when its content is None: SDKs send "" (and
    // some a short text) beside them, which would drop the calls from the prompt. The calls are kept.
    if (!out.toolCalls.empty()) out.content.reset();
    return std::nullopt;
}

} // namespace

nlohmann::json ApiError::toJson() const {
    return json{{"error",
                 {{"message", message},
                  {"type", type},
                  {"param", param.empty() ? json() : json(param)},
                  {"code", code.empty() ? json() : json(code)}}}};
}

std::string safeDump(const nlohmann::json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string ApiError::body() const { return safeDump(toJson()); }

ApiError invalidField(std::string param, std::string message) {
    ApiError e;
    e.status = 400;
    e.message = std::move(message);
    e.param = std::move(param);
    e.code = "invalid_value";
    return e;
}

std::optional<ApiError> parseChatRequest(const nlohmann::json& body, int defaultMaxTokens, std::uint64_t randomSeed,
                                         ChatRequest& out) {
    if (!body.is_object()) return invalidField("", "the request body must be a JSON object, got " + typeName(body));

    const auto model = body.find("model");
    if (model == body.end() || !model->is_string() || model->get<std::string>().empty())
        return invalidField("model", "model is required: a string naming the model (GET /v1/models lists them)");
    out.model = model->get<std::string>();

    const auto messages = body.find("messages");
    if (messages == body.end() || !messages->is_array() || messages->empty())
        return invalidField("messages", "messages is required: a non-empty array of {role, content}");
    out.messages.clear();
    for (std::size_t i = 0; i < messages->size(); ++i) {
        ChatMessage m;
        if (auto e = message((*messages)[i], i, m)) return e;
        const json& raw = (*messages)[i];
        // Chat prefix completion (DeepSeek's /beta): the last message, an assistant one with "prefix": true, is the
        // start of the answer, which the model continues.
        if (const auto prefix = raw.find("prefix"); prefix != raw.end() && !prefix->is_null()) {
            const std::string param = "messages[" + std::to_string(i) + "].prefix";
            if (!prefix->is_boolean()) return wrongType(param, "a boolean", *prefix);
            if (prefix->get<bool>()) {
                if (m.role != "assistant" || i + 1 != messages->size())
                    return invalidField(param, param + ": only the last message, an assistant one, can be a prefix");
                const std::string rcParam = "messages[" + std::to_string(i) + "].reasoning_content";
                if (const auto rc = raw.find("reasoning_content"); rc != raw.end() && !rc->is_null()) {
                    if (!rc->is_string()) return wrongType(rcParam, "a string", *rc);
                    out.reasoningPrefix = rc->get<std::string>();
                    out.reasoningPrefixField = rcParam;
                }
                if (!m.toolCalls.empty() || (!m.content && !out.reasoningPrefix))
                    return invalidField(param, param + ": a prefix message needs text content (or reasoning_content) "
                                                       "and no tool_calls");
                out.assistantPrefix = m.content.value_or(std::string());
                continue;
            }
        }
        out.messages.push_back(std::move(m));
    }
    if (out.messages.empty()) return invalidField("messages", "messages needs more than the assistant prefix");

    SamplingParams& s = out.sampling;
    if (auto e = number(body, "temperature", 0.0, 2.0, s.temperature)) return e;
    if (auto e = number(body, "top_p", 0.0, 1.0, s.top_p)) return e;
    if (s.top_p <= 0.0f) s.top_p = std::numeric_limits<float>::min(); // top_p 0: only the likeliest token
    if (auto e = number(body, "presence_penalty", -2.0, 2.0, s.presence_penalty)) return e;
    if (auto e = number(body, "frequency_penalty", -2.0, 2.0, s.frequency_penalty)) return e;
    // vLLM / SGLang extensions that the same clients send.
    if (auto e = number(body, "min_p", 0.0, 0.999999, s.min_p)) return e;
    if (auto e = number(body, "repetition_penalty", 1e-6, 2.0, s.repetition_penalty)) return e;
    std::optional<std::int64_t> topK;
    if (auto e = integer(body, "top_k", -1, std::numeric_limits<int>::max(), topK)) return e;
    s.top_k = topK && *topK > 0 ? static_cast<int>(*topK) : 0;

    std::optional<std::int64_t> seed;
    if (auto e = integer(body, "seed", std::numeric_limits<std::int64_t>::min(),
                         std::numeric_limits<std::int64_t>::max(), seed))
        return e;
    s.seed = seed ? static_cast<std::uint64_t>(*seed) : randomSeed;

    std::optional<std::int64_t> n, maxTokens, maxCompletion;
    if (auto e = integer(body, "n", 1, kMaxChoices, n)) return e;
    out.n = n ? static_cast<int>(*n) : 1;
    if (auto e = integer(body, "max_tokens", 1, kMaxMaxTokens, maxTokens)) return e;
    if (auto e = integer(body, "max_completion_tokens", 1, kMaxMaxTokens, maxCompletion)) return e;
    out.maxTokens = static_cast<int>(maxCompletion ? *maxCompletion : maxTokens ? *maxTokens : defaultMaxTokens);

    bool logprobs = false;
    if (auto e = boolean(body, "logprobs", logprobs)) return e;
    std::optional<std::int64_t> topLogprobs;
    if (auto e = integer(body, "top_logprobs", 0, 20, topLogprobs)) return e;
    if (topLogprobs && !logprobs)
        return invalidField("top_logprobs", "top_logprobs needs \"logprobs\": true");
    out.logprobs = logprobs ? static_cast<int>(topLogprobs.value_or(0)) : -1;

    if (auto e = boolean(body, "stream", out.stream)) return e;
    if (const auto so = body.find("stream_options"); so != body.end() && !so->is_null()) {
        if (!so->is_object()) return wrongType("stream_options", "an object", *so);
        if (auto e = boolean(*so, "include_usage", out.includeUsage)) {
            e->param = "stream_options.include_usage";
            e->message = "stream_options." + e->message;
            return e;
        }
    }

    out.stop.clear();
    if (const auto stop = body.find("stop"); stop != body.end() && !stop->is_null()) {
        if (stop->is_string()) {
            out.stop.push_back(stop->get<std::string>());
        } else if (stop->is_array()) {
            if (stop->size() > static_cast<std::size_t>(kMaxStopStrings))
                return invalidField("stop", "stop takes at most " + std::to_string(kMaxStopStrings) +
                                                " strings, got " + std::to_string(stop->size()));
            for (std::size_t i = 0; i < stop->size(); ++i) {
                if (!(*stop)[i].is_string())
                    return wrongType("stop[" + std::to_string(i) + "]", "a string", (*stop)[i]);
                out.stop.push_back((*stop)[i].get<std::string>());
            }
        } else {
            return wrongType("stop", "a string or an array of strings", *stop);
        }
        std::erase_if(out.stop, [](const std::string& x) { return x.empty(); });
    }

    if (const auto t = body.find("thinking"); t != body.end() && !t->is_null()) {
        // DeepSeek's form {"type": "enabled" | "disabled"}; a boolean too
        if (t->is_boolean()) {
            out.thinking = t->get<bool>();
        } else if (t->is_object() && t->value("type", json()).is_string() &&
                   ((*t)["type"] == "enabled" || (*t)["type"] == "disabled")) {
            out.thinking = (*t)["type"] == "enabled";
        } else {
            return invalidField("thinking", "thinking must be {\"type\": \"enabled\"} or {\"type\": \"disabled\"}");
        }
        out.thinkingField = "thinking";
    }
    if (const auto r = body.find("reasoning_effort"); r != body.end() && !r->is_null()) {
        if (!r->is_string() || (*r != "low" && *r != "medium" && *r != "high"))
            return invalidField("reasoning_effort", "reasoning_effort must be \"low\", \"medium\" or \"high\"");
        if (!out.thinking) {
            out.thinking = true; // the model has one effort: thinking on
            out.thinkingField = "reasoning_effort";
        }
    }
    // Every field is honoured, ignored on purpose, or refused: a field silently dropped is a wrong answer the
    // client cannot see.
    static const std::set<std::string> honoured = {
        "model", "messages", "temperature", "top_p", "top_k", "min_p", "presence_penalty", "frequency_penalty",
        "repetition_penalty", "seed", "n", "max_tokens", "max_completion_tokens", "stream", "stream_options",
        "stop", "logprobs", "top_logprobs", "response_format", "tools", "tool_choice", "parallel_tool_calls",
        "thinking", "reasoning_effort"};
    // Ignored on purpose: bookkeeping for the caller's own records or a hosted service's billing, which change
    // nothing in the answer here.
    static const std::set<std::string> ignored = {"user", "metadata", "store", "service_tier", "safety_identifier",
                                                  "prompt_cache_key"};
    for (const auto& [key, value] : body.items())
        if (!honoured.count(key) && !ignored.count(key) && !value.is_null())
            return invalidField(key, "the field \"" + key + "\" is not supported by this server");
    if (Status st = s.validate(); !st) return invalidField("", st.message());
    return std::nullopt;
}

std::optional<ApiError> parseResponseFormat(const nlohmann::ordered_json& body, ChatRequest& out) {
    using nlohmann::ordered_json;
    const auto it = body.find("response_format");
    if (it == body.end() || it->is_null()) return std::nullopt;
    const ordered_json& rf = *it;
    if (!rf.is_object() || !rf.contains("type") || !rf["type"].is_string())
        return invalidField("response_format.type",
                            "response_format must be an object with \"type\": \"text\", \"json_object\" or \"json_schema\"");
    const std::string type = rf["type"].get<std::string>();
    if (type == "text") return std::nullopt;
    if (type == "json_object") {
        static const std::shared_ptr<const Grammar> anyObject = Grammar::anyJson(true);
        out.grammar = anyObject;
        return std::nullopt;
    }
    if (type != "json_schema")
        return invalidField("response_format.type", "response_format.type must be \"text\", \"json_object\" or "
                                                    "\"json_schema\", got \"" + type + "\"");
    if (!rf.contains("json_schema") || !rf["json_schema"].is_object())
        return invalidField("response_format.json_schema",
                            "response_format.json_schema must be an object {\"name\", \"schema\", \"strict\"}");
    const ordered_json& js = rf["json_schema"];
    if (js.contains("name") && !js["name"].is_string())
        return invalidField("response_format.json_schema.name", "response_format.json_schema.name must be a string");
    if (js.contains("strict") && !js["strict"].is_boolean() && !js["strict"].is_null())
        return invalidField("response_format.json_schema.strict",
                            "response_format.json_schema.strict must be a boolean");
    // No schema: any JSON object, as json_object.
    const ordered_json schema = js.value("schema", ordered_json::object());
    const std::string key = schema.dump();
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const Grammar>> cache;
    {
        std::lock_guard lock(mutex);
        if (auto c = cache.find(key); c != cache.end()) {
            out.grammar = c->second;
            return std::nullopt;
        }
    }
    auto g = Grammar::fromJsonSchema(schema, "response_format.json_schema.schema");
    if (!g) {
        const std::string& m = g.status().message();
        const std::size_t colon = m.find(": ");
        return invalidField(colon == std::string::npos ? "response_format.json_schema.schema" : m.substr(0, colon), m);
    }
    out.grammar = g.value();
    std::lock_guard lock(mutex);
    if (cache.size() >= 64) cache.clear();
    cache.emplace(key, out.grammar);
    return std::nullopt;
}

std::optional<ApiError> parseTools(const nlohmann::ordered_json& body, ChatRequest& out) {
    using nlohmann::ordered_json;
    if (const auto it = body.find("tools"); it != body.end() && !it->is_null()) {
        if (!it->is_array()) return invalidField("tools", "tools must be an array of {\"type\": \"function\", \"function\": {…}}");
        if (it->size() > 128) return invalidField("tools", "at most 128 tools are supported");
        for (std::size_t i = 0; i < it->size(); ++i) {
            const ordered_json& t = (*it)[i];
            const std::string p = "tools[" + std::to_string(i) + "]";
            if (!t.is_object() || t.value("type", ordered_json()) != "function")
                return invalidField(p + ".type", p + ".type must be \"function\"");
            const ordered_json fn = t.value("function", ordered_json());
            if (!fn.is_object()) return invalidField(p + ".function", p + ".function must be an object");
            const ordered_json name = fn.value("name", ordered_json());
            const auto nameOk = [](const std::string& n) {
                return !n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                });
            };
            if (!name.is_string() || !nameOk(name.get<std::string>()))
                return invalidField(p + ".function.name", p + ".function.name must be 1-64 letters, digits, _ or -");
            for (const auto& other : out.tools)
                if (other["function"]["name"] == name)
                    return invalidField(p + ".function.name", "two tools are named \"" + name.get<std::string>() + "\"");
            if (fn.contains("description") && !fn["description"].is_string() && !fn["description"].is_null())
                return invalidField(p + ".function.description", p + ".function.description must be a string");
            if (fn.contains("parameters") && !fn["parameters"].is_object() && !fn["parameters"].is_null())
                return invalidField(p + ".function.parameters", p + ".function.parameters must be a JSON Schema object");
            out.tools.push_back(t);
        }
    }
    if (const auto it = body.find("parallel_tool_calls"); it != body.end() && !it->is_null()) {
        if (!it->is_boolean()) return invalidField("parallel_tool_calls", "parallel_tool_calls must be a boolean");
        out.parallelToolCalls = it->get<bool>();
    }
    out.toolChoice = out.tools.empty() ? "none" : "auto";
    if (const auto it = body.find("tool_choice"); it != body.end() && !it->is_null()) {
        const ordered_json& c = *it;
        if (c.is_string() && (c == "none" || c == "auto" || c == "required")) {
            out.toolChoice = c.get<std::string>();
        } else if (c.is_object() && c.value("type", ordered_json()) == "function" &&
                   c.value("function", ordered_json()).is_object() &&
                   c["function"].value("name", ordered_json()).is_string()) {
            out.toolChoice = "function";
            out.toolName = c["function"]["name"].get<std::string>();
        } else {
            return invalidField("tool_choice", "tool_choice must be \"none\", \"auto\", \"required\" or "
                                               "{\"type\": \"function\", \"function\": {\"name\": …}}");
        }
        if (out.tools.empty() && out.toolChoice != "none" && out.toolChoice != "auto")
            return invalidField("tool_choice", "tool_choice " + c.dump() + " needs tools");
        if (out.tools.empty()) out.toolChoice = "none";
    }
    if (!out.toolsOffered()) return std::nullopt;
    std::vector<ToolSpec> forced;
    std::size_t forcedIndex = 0;
    for (std::size_t i = 0; i < out.tools.size(); ++i) {
        const auto& fn = out.tools[i]["function"];
        if (out.toolChoice == "required" || fn["name"] == out.toolName) {
            ToolSpec spec;
            spec.name = fn["name"].get<std::string>();
            spec.parameters = fn.contains("parameters") && fn["parameters"].is_object()
                                  ? fn["parameters"]
                                  : ordered_json{{"type", "object"}, {"properties", ordered_json::object()}};
            forced.push_back(std::move(spec));
            forcedIndex = i;
        }
    }
    std::string mustCall;
    if (out.toolChoice == "function") {
        if (forced.empty())
            return invalidField("tool_choice.function.name", "tool_choice names \"" + out.toolName +
                                                                 "\", which is not among the tools");
        mustCall = "You must call the tool `" + out.toolName + "`.";
    } else if (out.toolChoice == "required") {
        mustCall = "You must call at least one of the tools.";
    }
    if (!forced.empty()) {
        if (out.grammar)
            return invalidField("response_format", "response_format cannot be combined with a tool_choice that forces "
                                                   "a call");
        auto g = Grammar::toolCalls(forced, out.parallelToolCalls && out.toolChoice == "required", "tools");
        if (!g) {
            std::string m = g.status().message();
            if (out.toolChoice == "function") // the grammar saw one tool: name its place in the request
                if (const std::size_t at = m.find("tools[0]"); at != std::string::npos)
                    m.replace(at, 8, "tools[" + std::to_string(forcedIndex) + "]");
            const std::size_t colon = m.find(": ");
            return invalidField(colon == std::string::npos ? "tools" : m.substr(0, colon), m);
        }
        out.grammar = g.value();
    }
    const std::string section = toolsSystemPrompt(out.tools, mustCall);
    auto sys = std::find_if(out.messages.begin(), out.messages.end(), [](const ChatMessage& m) { return m.role == "system"; });
    if (sys != out.messages.end() && sys->content)
        *sys->content += "\n\n" + section;
    else
        out.messages.insert(out.messages.begin(), ChatMessage{"system", section, {}});
    return std::nullopt;
}

} // namespace ws::server
