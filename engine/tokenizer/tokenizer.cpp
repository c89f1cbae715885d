// Tokenizer::load and the byte-level BPE tokenizer behind it (HF tokenizer.json + tokenizer_config.json).
#include "whalesong/tokenizer.h"

#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/jinja.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer_json.h"
#include "model/gguf_model.h"

#include <deque>
#include <fstream>
#include <limits>
#include <unordered_set>

#include <nlohmann/json.hpp>
#include <sstream>

namespace ws {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kDefaultBos = "<｜begin▁of▁sentence｜>";
constexpr std::string_view kDefaultEos = "<｜end▁of▁sentence｜>";

class BpeTokenizer final : public Tokenizer {
  public:
    std::vector<TokenId> encode(std::string_view text, bool addBos) const override;
    std::string decode(std::span<const TokenId> ids) const override;
    std::string tokenBytes(TokenId id) const override;
    std::optional<TokenId> tokenId(std::string_view token) const override;
    std::size_t size() const override { return m_idBytes.size(); }
    TokenId bos() const override { return m_bos; }
    TokenId eos() const override { return m_eos; }
    bool addBosByDefault() const override { return m_addBos; }
    bool isSpecial(TokenId id) const override { return m_special.count(id) != 0; }
    Result<std::string> renderChat(std::span<const ChatMessage> messages, bool addGenerationPrompt,
                                   const ChatTemplateOptions& options) const override;
    std::string chatTemplateSource() const override {
        return m_templateSource.empty() ? "built-in DeepSeek-V3 (the model ships no chat template)" : m_templateSource;
    }
    bool chatTemplateHasThinkingSwitch() const override { return m_template.has_value() && m_templateThinks; }

    Status loadTokenizerJson(const json& j, const std::string& file);
    Status loadConfig(const json* config, const std::string& file);
    /// Parses the model's chat template once. A template that does not parse is kept as its error: every
    /// renderChat then fails with it (never falls back to another template).
    void setChatTemplate(const std::string& text, const std::string& source);

  private:
    Status loadAddedTokens(const json& j, const std::string& file);
    Result<TokenId> specialToken(const json* config, const char* field, std::string_view fallback,
                                 const std::string& file, std::string* text) const;

    detail::Bpe m_bpe;
    detail::PreTokenizer m_pre;
    detail::AddedTokenMatcher m_rawAdded;  ///< added tokens with normalized=false, matched first
    detail::AddedTokenMatcher m_normAdded; ///< normalized=true ones, matched in what is left
    detail::StringIdMap m_vocabIds;        ///< model.vocab: byte-level token string -> id
    detail::StringIdMap m_addedIds;        ///< added token content -> id
    std::vector<std::string> m_idBytes;    ///< id -> raw bytes ("" for an unused id)
    std::unordered_set<TokenId> m_special; ///< added tokens with special=true
    TokenId m_bos = -1;
    TokenId m_eos = -1;
    bool m_addBos = false;
    std::string m_bosText; ///< what the chat template writes for {{bos_token}}
    std::string m_eosText; ///< … for {{eos_token}}
    std::optional<jinja::Template> m_template; ///< the model's chat template; none: the built-in V3 one
    Status m_templateError;                    ///< why the model's template did not parse
    std::string m_templateSource;              ///< "tokenizer_config.json", "GGUF metadata"; empty: built-in
    bool m_templateThinks = false;             ///< the template reads a `thinking` variable (V3.1)
};

void BpeTokenizer::setChatTemplate(const std::string& text, const std::string& source) {
    m_templateSource = source;
    m_templateThinks = text.find("thinking") != std::string::npos;
    auto t = jinja::Template::parse(text, source + " chat_template");
    if (t)
        m_template = std::move(t.value());
    else
        m_templateError = t.status();
}

/// The messages as transformers hands them to the template: OpenAI-shaped dicts; an assistant turn that only calls
/// tools has content None.
nlohmann::ordered_json templateMessages(std::span<const ChatMessage> messages) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const ChatMessage& m : messages) {
        nlohmann::ordered_json j;
        j["role"] = m.role;
        j["content"] = m.content ? nlohmann::ordered_json(*m.content) : nlohmann::ordered_json(nullptr);
        if (!m.toolCalls.empty()) {
            nlohmann::ordered_json calls = nlohmann::ordered_json::array();
            for (const ToolCall& c : m.toolCalls)
                calls.push_back({{"type", c.type}, {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
            j["tool_calls"] = std::move(calls);
        }
        out.push_back(std::move(j));
    }
    return out;
}

Result<std::string> BpeTokenizer::renderChat(std::span<const ChatMessage> messages, bool addGenerationPrompt,
                                             const ChatTemplateOptions& options) const {
    if (!m_templateError.isOk()) return m_templateError;
    // Roles outside the chat API's four are refused here: templates skip what they do not know, silently.
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const std::string& role = messages[i].role;
        if (role != "system" && role != "user" && role != "assistant" && role != "tool")
            return Status{Code::InvalidArgument, "chat message " + std::to_string(i) + ": unknown role \"" + role +
                                                     "\" (expected system, user, assistant or tool)"};
    }
    if (!m_template) return detail::renderDeepSeekV3Chat(messages, addGenerationPrompt, m_bosText);
    nlohmann::ordered_json context;
    context["messages"] = templateMessages(messages);
    context["tools"] = nullptr; // transformers passes tools=None: `tools is defined` holds
    context["add_generation_prompt"] = addGenerationPrompt;
    context["bos_token"] = m_bosText;
    context["eos_token"] = m_eosText;
    if (options.thinking) context["thinking"] = *options.thinking;
    auto text = m_template->render(context);
    if (text) return text;
    // The template's own error ("can only concatenate str (not NoneType)…") plus the likely cause, named.
    for (std::size_t i = 0; i < messages.size(); ++i)
        if (!messages[i].content && messages[i].role != "assistant")
            return Status{Code::InvalidArgument, text.status().message() + " (chat message " + std::to_string(i) + " (" +
                                                     messages[i].role + ") has no content)"};
    return Status{Code::InvalidArgument, text.status().message()};
}

std::vector<TokenId> BpeTokenizer::encode(std::string_view text, bool addBos) const {
    std::vector<TokenId> ids;
    ids.reserve(text.size() / 3 + 2);
    if (addBos && m_bos >= 0)
        ids.push_back(m_bos);

    std::vector<detail::Segment> segments{{text, -1}}, scratch;
    if (!m_rawAdded.empty()) {
        m_rawAdded.split(segments, scratch);
        segments.swap(scratch);
    }
    if (!m_normAdded.empty()) {
        m_normAdded.split(segments, scratch);
        segments.swap(scratch);
    }

    std::vector<std::string_view> pieces;
    std::deque<std::string> arena;
    detail::BpeScratch bpeScratch;
    for (const detail::Segment& s : segments) {
        if (s.id >= 0) {
            ids.push_back(s.id);
            continue;
        }
        m_pre.split(s.text, pieces, arena);
        for (const std::string_view piece : pieces)
            m_bpe.encode(piece, ids, bpeScratch);
        arena.clear();
    }
    return ids;
}

std::string BpeTokenizer::decode(std::span<const TokenId> ids) const {
    std::string out;
    for (const TokenId id : ids)
        if (id >= 0 && static_cast<std::size_t>(id) < m_idBytes.size())
            out += m_idBytes[static_cast<std::size_t>(id)];
    return out;
}

std::string BpeTokenizer::tokenBytes(TokenId id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= m_idBytes.size())
        return {};
    return m_idBytes[static_cast<std::size_t>(id)];
}

std::optional<TokenId> BpeTokenizer::tokenId(std::string_view token) const {
    if (const auto it = m_addedIds.find(token); it != m_addedIds.end())
        return it->second;
    if (const auto it = m_vocabIds.find(token); it != m_vocabIds.end())
        return it->second;
    // Also accept the raw bytes of a vocab token (" the" as well as "Ġthe").
    if (const auto it = m_vocabIds.find(detail::bytesToByteLevel(token)); it != m_vocabIds.end())
        return it->second;
    return std::nullopt;
}

/// A non-negative id that fits TokenId, or nullopt.
std::optional<TokenId> readId(const json& v) {
    if (!v.is_number_integer())
        return std::nullopt;
    const auto id = v.get<std::int64_t>();
    if (id < 0 || id > std::numeric_limits<TokenId>::max() - 1)
        return std::nullopt;
    return static_cast<TokenId>(id);
}

/// A boolean field, `fallback` when absent or null.
bool boolField(const json& obj, const char* name, bool fallback) {
    const auto it = obj.find(name);
    return it != obj.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

Status BpeTokenizer::loadTokenizerJson(const json& j, const std::string& file) {
    if (!j.is_object())
        return {Code::FormatError, file + ": the top level is not a JSON object"};

    // Only what this tokenizer reproduces exactly is accepted.
    if (const auto n = j.find("normalizer"); n != j.end() && !n->is_null()) {
        const bool emptySequence = n->is_object() && n->value("type", "") == "Sequence" &&
                                   n->contains("normalizers") && (*n)["normalizers"].is_array() &&
                                   (*n)["normalizers"].empty();
        if (!emptySequence)
            return {Code::Unsupported, file + ": normalizer " + n->dump().substr(0, 80) +
                                           " is not supported (only null or an empty Sequence)"};
    }
    if (const auto d = j.find("decoder"); d != j.end() && !d->is_null()) {
        if (!d->is_object() || d->value("type", "") != "ByteLevel")
            return {Code::Unsupported, file + ": decoder " + d->dump().substr(0, 80) +
                                           " is not supported (only ByteLevel or null)"};
    }

    const auto model = j.find("model");
    if (model == j.end() || !model->is_object())
        return {Code::FormatError, file + ": model is missing"};
    if (const auto t = model->find("type");
        t != model->end() && (!t->is_string() || t->get<std::string>() != "BPE"))
        return {Code::Unsupported,
                file + ": model.type " + t->dump() + " is not supported (expected \"BPE\")"};
    if (boolField(*model, "byte_fallback", false))
        return {Code::Unsupported, file + ": model.byte_fallback=true is not supported"};
    if (const auto d = model->find("dropout");
        d != model->end() && !d->is_null() && !(d->is_number() && d->get<double>() == 0.0))
        return {Code::Unsupported, file + ": model.dropout is not supported (must be null)"};
    for (const char* field : {"continuing_subword_prefix", "end_of_word_suffix"}) {
        const auto f = model->find(field);
        if (f != model->end() && !f->is_null() && !(f->is_string() && f->get<std::string>().empty()))
            return {Code::Unsupported, file + ": model." + field + " is not supported (must be null)"};
    }

    const auto vocab = model->find("vocab");
    if (vocab == model->end() || !vocab->is_object())
        return {Code::FormatError, file + ": model.vocab is missing or not an object"};
    m_vocabIds.reserve(vocab->size());
    TokenId maxId = -1;
    for (const auto& [token, value] : vocab->items()) {
        const auto id = readId(value);
        if (!id)
            return {Code::FormatError, file + ": model.vocab[\"" + token + "\"] is not a valid token id"};
        m_vocabIds[token] = *id;
        maxId = std::max(maxId, *id);
    }

    const auto merges = model->find("merges");
    if (merges == model->end())
        return {Code::FormatError, file + ": model.merges is missing"};
    auto bpe = detail::Bpe::build(m_vocabIds, *merges, boolField(*model, "ignore_merges", false), file);
    if (!bpe.isOk())
        return bpe.status();
    m_bpe = std::move(bpe).value();

    const auto pre = j.find("pre_tokenizer");
    auto preTokenizer = detail::PreTokenizer::fromJson(pre == j.end() ? json() : *pre, file);
    if (!preTokenizer.isOk())
        return preTokenizer.status();
    m_pre = std::move(preTokenizer).value();

    if (const auto added = j.find("added_tokens"); added != j.end() && !added->is_null()) {
        if (!added->is_array())
            return {Code::FormatError, file + ": added_tokens is not an array"};
        for (const json& a : *added) {
            if (const auto id = a.is_object() && a.contains("id") ? readId(a["id"]) : std::nullopt)
                maxId = std::max(maxId, *id);
        }
    }

    m_idBytes.assign(static_cast<std::size_t>(maxId + 1), std::string());
    for (const auto& [token, id] : m_vocabIds)
        m_idBytes[static_cast<std::size_t>(id)] = detail::tokenStringToBytes(token);
    return loadAddedTokens(j, file);
}

Status BpeTokenizer::loadAddedTokens(const json& j, const std::string& file) {
    const auto added = j.find("added_tokens");
    if (added == j.end() || added->is_null())
        return Status::ok();
    for (std::size_t i = 0; i < added->size(); ++i) {
        const json& a = (*added)[i];
        const std::string where = file + ": added_tokens[" + std::to_string(i) + "]";
        if (!a.is_object())
            return {Code::FormatError, where + " is not an object"};
        const auto id = a.contains("id") ? readId(a["id"]) : std::nullopt;
        if (!id)
            return {Code::FormatError, where + ".id is missing or not a valid token id"};
        const auto content = a.find("content");
        if (content == a.end() || !content->is_string() || content->get_ref<const std::string&>().empty())
            return {Code::FormatError, where + ".content is missing or not a non-empty string"};
        if (boolField(a, "single_word", false))
            return {Code::Unsupported, where + ".single_word=true is not supported"};

        const std::string& text = content->get_ref<const std::string&>();
        const bool special = boolField(a, "special", false);
        const bool lstrip = boolField(a, "lstrip", false);
        const bool rstrip = boolField(a, "rstrip", false);
        // HF splits on the non-normalized tokens in the raw text first, then on the normalized ones.
        (boolField(a, "normalized", !special) ? m_normAdded : m_rawAdded).add(text, *id, lstrip, rstrip);
        m_addedIds[text] = *id;
        if (special) m_special.insert(*id);
        m_idBytes[static_cast<std::size_t>(*id)] = detail::tokenStringToBytes(text);
    }
    return Status::ok();
}

Result<TokenId> BpeTokenizer::specialToken(const json* config, const char* field, std::string_view fallback,
                                           const std::string& file, std::string* text) const {
    if (config != nullptr) {
        if (const auto it = config->find(field); it != config->end() && !it->is_null()) {
            const json* content = &*it;
            if (it->is_object()) {
                const auto c = it->find("content");
                content = c == it->end() ? nullptr : &*c;
            }
            if (content == nullptr || !content->is_string())
                return {Code::FormatError,
                        file + ": " + field + " is neither a string nor {\"content\": string}"};
            const std::string& name = content->get_ref<const std::string&>();
            const auto id = tokenId(name);
            if (!id)
                return {Code::FormatError,
                        file + ": " + field + " \"" + name + "\" is not a token of tokenizer.json"};
            if (text)
                *text = name;
            return *id;
        }
    }
    const auto id = tokenId(fallback);
    if (!id)
        return TokenId{-1};
    if (text)
        *text = std::string(fallback);
    return *id;
}

Status BpeTokenizer::loadConfig(const json* config, const std::string& file) {
    if (config != nullptr && !config->is_object())
        return {Code::FormatError, file + ": the top level is not a JSON object"};
    auto bos = specialToken(config, "bos_token", kDefaultBos, file, &m_bosText);
    if (!bos.isOk())
        return bos.status();
    auto eos = specialToken(config, "eos_token", kDefaultEos, file, &m_eosText);
    if (!eos.isOk())
        return eos.status();
    m_bos = bos.value();
    m_eos = eos.value();
    m_addBos = config != nullptr && boolField(*config, "add_bos_token", false) && m_bos >= 0;
    return Status::ok();
}

/// Reads and parses a JSON file: NotFound when it is absent, FormatError (with the position) when broken.
Status readJson(const fs::path& path, json& out) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        return {Code::NotFound, path.string() + ": no such file"};
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return {Code::IoError, path.string() + ": cannot open"};
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        return {Code::IoError, path.string() + ": read error"};
    try {
        out = json::parse(text.str());
    } catch (const json::exception& e) {
        return {Code::FormatError, path.string() + ": malformed JSON: " + e.what()};
    }
    return Status::ok();
}

/// tokenizer_config.json's chat_template: a string, or (newer files) a list of {"name", "template"} whose
/// "default" entry is the chat template.
Status chatTemplateFromConfig(BpeTokenizer& tok, const json& config, const std::string& file) {
    const auto it = config.find("chat_template");
    if (it == config.end() || it->is_null()) return Status::ok();
    if (it->is_string()) {
        tok.setChatTemplate(it->get<std::string>(), "tokenizer_config.json");
        return Status::ok();
    }
    if (it->is_array()) {
        for (const json& t : *it)
            if (t.is_object() && t.value("name", "") == "default" && t.contains("template") && t["template"].is_string()) {
                tok.setChatTemplate(t["template"].get<std::string>(), "tokenizer_config.json");
                return Status::ok();
            }
    }
    return {Code::FormatError, file + ": chat_template is neither a string nor a list with a \"default\" template"};
}

} // namespace

Result<std::unique_ptr<Tokenizer>> detail::tokenizerFromJson(const json& tokenizer, const json* config,
                                                             const std::string& source, const std::string& chatTemplate,
                                                             const std::string& templateSource) {
    try {
        auto tok = std::make_unique<BpeTokenizer>();
        WS_TRY(tok->loadTokenizerJson(tokenizer, source));
        WS_TRY(tok->loadConfig(config, source));
        if (!chatTemplate.empty())
            tok->setChatTemplate(chatTemplate, templateSource);
        else if (config)
            WS_TRY(chatTemplateFromConfig(*tok, *config, source));
        return std::unique_ptr<Tokenizer>(std::move(tok));
    } catch (const json::exception& e) {
        return {Code::FormatError, source + ": unexpected content: " + e.what()};
    } catch (const std::bad_alloc&) {
        return {Code::OutOfMemory, source + ": out of memory while loading the tokenizer"};
    }
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::load(const std::filesystem::path& dir) {
    std::error_code fileEc;
    if (isGgufPath(dir) && fs::is_regular_file(dir, fileEc)) {
        auto gguf = GgufFile::open(dir);
        if (!gguf) return gguf.status();
        return tokenizerFromGguf(*gguf.value());
    }
    const fs::path tokenizerPath = dir / "tokenizer.json";
    const fs::path configPath = dir / "tokenizer_config.json";
    try {
        json j;
        WS_TRY(readJson(tokenizerPath, j));
        auto tok = std::make_unique<BpeTokenizer>();
        WS_TRY(tok->loadTokenizerJson(j, tokenizerPath.string()));
        j = json(); // free the DOM before the next one

        std::error_code ec;
        if (fs::exists(configPath, ec)) {
            json config;
            WS_TRY(readJson(configPath, config));
            WS_TRY(tok->loadConfig(&config, configPath.string()));
            WS_TRY(chatTemplateFromConfig(*tok, config, configPath.string()));
        } else {
            WS_TRY(tok->loadConfig(nullptr, configPath.string()));
        }
        return std::unique_ptr<Tokenizer>(std::move(tok));
    } catch (const json::exception& e) {
        return {Code::FormatError, tokenizerPath.string() + ": unexpected JSON content: " + e.what()};
    } catch (const std::bad_alloc&) {
        return {Code::OutOfMemory, tokenizerPath.string() + ": out of memory while loading"};
    } catch (const std::exception& e) {
        return {Code::Internal, tokenizerPath.string() + ": " + e.what()};
    }
}

} // namespace ws
