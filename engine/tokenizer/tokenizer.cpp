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
#include <set>
#include <unordered_set>

#include <nlohmann/json.hpp>
#include <sstream>

namespace ws {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kDefaultBos = "<｜begin▁of▁sentence｜>";
constexpr std::string_view kDefaultEos = "<｜end▁of▁sentence｜>";

/// model.vocab and model.merges of a tokenizer.json, taken while it is parsed: they are most of the file (128K
/// entries each for DeepSeek-V3), and a DOM of them cost more than the rest of loading the tokenizer.
struct BpeTables {
    bool hasVocab = false, hasMerges = false; ///< taken (an object, an array); else they stay in the DOM
    detail::StringIdMap vocab;
    std::set<std::string> badTokens; ///< vocab keys whose (last) value is not a token id; the DOM names the first
    std::vector<detail::MergePair> merges; ///< up to the first entry of the wrong shape
    Status mergesError;                    ///< that entry's
};

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

    /// `tables`: model.vocab and model.merges as readTokenizerJson took them out of the DOM (else from `j`).
    Status loadTokenizerJson(const json& j, const std::string& file, BpeTables* tables = nullptr);
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

Status BpeTokenizer::loadTokenizerJson(const json& j, const std::string& file, BpeTables* tables) {
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

    if (tables && tables->hasVocab) {
        if (!tables->badTokens.empty())
            return {Code::FormatError,
                    file + ": model.vocab[\"" + *tables->badTokens.begin() + "\"] is not a valid token id"};
        m_vocabIds = std::move(tables->vocab);
    } else {
        const auto vocab = model->find("vocab");
        if (vocab == model->end() || !vocab->is_object())
            return {Code::FormatError, file + ": model.vocab is missing or not an object"};
        m_vocabIds.reserve(vocab->size());
        for (const auto& [token, value] : vocab->items()) {
            const auto id = readId(value);
            if (!id)
                return {Code::FormatError, file + ": model.vocab[\"" + token + "\"] is not a valid token id"};
            m_vocabIds[token] = *id;
        }
    }
    TokenId maxId = -1;
    for (const auto& [token, id] : m_vocabIds)
        maxId = std::max(maxId, id);

    // Entry by entry as they come: the merges before the first one of the wrong shape are looked up first.
    std::vector<detail::MergePair> merges;
    Status mergesError;
    if (tables && tables->hasMerges) {
        merges = std::move(tables->merges);
        mergesError = tables->mergesError;
    } else {
        const auto m = model->find("merges");
        if (m == model->end())
            return {Code::FormatError, file + ": model.merges is missing"};
        mergesError = detail::Bpe::readMerges(*m, file, merges);
    }
    auto bpe = detail::Bpe::build(m_vocabIds, merges, boolField(*model, "ignore_merges", false), file);
    if (!bpe.isOk())
        return bpe.status();
    WS_TRY(mergesError);
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

/// A SAX handler that builds the DOM of tokenizer.json but for model.vocab (an object) and model.merges (an
/// array), which it reads into BpeTables, checked entry by entry as loadTokenizerJson checks the DOM's.
class TokenizerJsonReader {
  public:
    TokenizerJsonReader(json& dom, BpeTables& tables, const std::string& file)
        : m_dom(dom, true), m_tables(tables), m_file(file) {}

    bool null() { return scalar([&] { return m_dom.null(); }); }
    bool boolean(bool v) { return scalar([&] { return m_dom.boolean(v); }); }
    bool number_integer(json::number_integer_t v) {
        if (m_mode == Mode::Vocab && m_skip == 0)
            return vocabId(v >= 0 ? std::optional<std::uint64_t>(v) : std::nullopt);
        return scalar([&] { return m_dom.number_integer(v); });
    }
    bool number_unsigned(json::number_unsigned_t v) {
        if (m_mode == Mode::Vocab && m_skip == 0) return vocabId(v);
        return scalar([&] { return m_dom.number_unsigned(v); });
    }
    bool number_float(json::number_float_t v, const std::string& text) {
        return scalar([&] { return m_dom.number_float(v, text); });
    }
    bool string(std::string& v) {
        if (m_mode == Mode::Merges && m_skip == 0) {
            if (m_pairDepth == 0) {
                if (!m_tables.mergesError)
                    return true;
                detail::MergePair pair;
                m_tables.mergesError = detail::Bpe::splitMerge(v, m_tables.merges.size(), m_file, pair);
                if (m_tables.mergesError) m_tables.merges.push_back(std::move(pair));
                return true;
            }
            m_pair.push_back(std::move(v));
            return true;
        }
        return scalar([&] { return m_dom.string(v); });
    }
    bool binary(json::binary_t& v) { return scalar([&] { return m_dom.binary(v); }); }

    bool start_object(std::size_t n) {
        if (m_mode != Mode::Dom) {
            wrongEntry();
            ++m_skip;
            return true;
        }
        if (m_pending == Pending::Vocab) {
            m_pending = Pending::None;
            m_mode = Mode::Vocab;
            m_tables.hasVocab = true;
            m_tables.vocab.clear();
            m_tables.badTokens.clear();
            return true;
        }
        m_pending = Pending::None;
        if (m_objects.empty()) m_topIsObject = true;
        const bool isModel = m_objects.size() == 1 && m_topIsObject && m_key == "model";
        m_objects.push_back(isModel);
        if (isModel) m_tables = BpeTables{}; // a repeated "model" key: the last one counts, as in the DOM
        return m_dom.start_object(n);
    }
    bool key(std::string& k) {
        if (m_mode == Mode::Vocab) {
            if (m_skip == 0) m_token = k;
            return true;
        }
        if (m_mode == Mode::Merges) return true;
        m_key = k;
        m_pending = Pending::None;
        if (!m_objects.empty() && m_objects.back()) { // a key of the model object
            if (k == "vocab") {
                m_pending = Pending::Vocab;
                m_tables.hasVocab = false; // until its value proves to be an object
            } else if (k == "merges") {
                m_pending = Pending::Merges;
                m_tables.hasMerges = false;
            }
        }
        return m_dom.key(k);
    }
    bool end_object() {
        if (m_mode != Mode::Dom) {
            if (m_skip > 0) {
                --m_skip;
                return true;
            }
            m_mode = Mode::Dom; // the end of model.vocab
            return true;
        }
        m_objects.pop_back();
        return m_dom.end_object();
    }
    bool start_array(std::size_t n) {
        if (m_mode != Mode::Dom) {
            if (m_mode == Mode::Merges && m_skip == 0 && m_pairDepth == 0) {
                m_pairDepth = 1;
                m_pair.clear();
                m_pairBad = false;
                return true;
            }
            wrongEntry();
            ++m_skip;
            return true;
        }
        if (m_pending == Pending::Merges) {
            m_pending = Pending::None;
            m_mode = Mode::Merges;
            m_tables.hasMerges = true;
            m_tables.merges.clear();
            m_tables.mergesError = Status::ok();
            return true;
        }
        m_pending = Pending::None;
        m_objects.push_back(false);
        return m_dom.start_array(n);
    }
    bool end_array() {
        if (m_mode != Mode::Dom) {
            if (m_skip > 0) {
                --m_skip;
                return true;
            }
            if (m_pairDepth == 1) { // the end of one [a, b] merge
                m_pairDepth = 0;
                if (m_tables.mergesError) {
                    if (!m_pairBad && m_pair.size() == 2)
                        m_tables.merges.emplace_back(std::move(m_pair[0]), std::move(m_pair[1]));
                    else
                        badMerge();
                }
                return true;
            }
            m_mode = Mode::Dom; // the end of model.merges
            return true;
        }
        m_objects.pop_back();
        return m_dom.end_array();
    }
    bool parse_error(std::size_t position, const std::string& token, const nlohmann::detail::exception& e) {
        return m_dom.parse_error(position, token, e);
    }

  private:
    enum class Mode { Dom, Vocab, Merges };
    enum class Pending { None, Vocab, Merges };

    /// A scalar: the DOM's, or inside model.vocab / model.merges an entry of the wrong type.
    template <class F> bool scalar(F&& toDom) {
        if (m_mode == Mode::Dom) {
            m_pending = Pending::None; // "vocab": 5 stays in the DOM, and is refused there
            return toDom();
        }
        if (m_skip == 0) wrongEntry();
        return true;
    }
    /// Inside model.vocab or model.merges, outside skipped entries: a value of the wrong type. Inside an [a, b]
    /// merge it makes the pair wrong, which is reported at its end.
    void wrongEntry() {
        if (m_skip > 0) return;
        if (m_mode == Mode::Vocab)
            badVocab();
        else if (m_pairDepth == 0)
            badMerge();
        else
            m_pairBad = true;
    }
    bool vocabId(std::optional<std::uint64_t> v) {
        if (!v || *v > static_cast<std::uint64_t>(std::numeric_limits<TokenId>::max() - 1)) {
            badVocab();
            return true;
        }
        m_tables.vocab[m_token] = static_cast<TokenId>(*v);
        m_tables.badTokens.erase(m_token); // a repeated key: its last value counts, as in the DOM
        return true;
    }
    void badVocab() { m_tables.badTokens.insert(m_token); }
    void badMerge() {
        if (m_tables.mergesError)
            m_tables.mergesError = {Code::FormatError, m_file + ": model.merges[" +
                                                           std::to_string(m_tables.merges.size()) +
                                                           "] is neither \"a b\" nor [\"a\", \"b\"]"};
    }

    nlohmann::detail::json_sax_dom_parser<json> m_dom;
    BpeTables& m_tables;
    const std::string& m_file;
    std::vector<bool> m_objects; ///< per open DOM container: whether it is the top-level "model" object
    bool m_topIsObject = false;
    std::string m_key;           ///< the last key read into the DOM
    Pending m_pending = Pending::None;
    Mode m_mode = Mode::Dom;
    int m_skip = 0;      ///< depth inside a wrong-typed entry of model.vocab / model.merges
    int m_pairDepth = 0; ///< 1 inside an [a, b] merge
    bool m_pairBad = false; ///< it holds something other than a string
    std::vector<std::string> m_pair;
    std::string m_token; ///< the model.vocab key whose id comes next
};

/// A whole file: NotFound when it is absent.
Status readText(const fs::path& path, std::string& out) {
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
    out = std::move(text).str();
    return Status::ok();
}

/// Reads tokenizer.json: the DOM but for model.vocab and model.merges, which go into `tables`.
Status readTokenizerJson(const fs::path& path, json& out, BpeTables& tables) {
    std::string text;
    WS_TRY(readText(path, text));
    const std::string file = path.string();
    try {
        TokenizerJsonReader reader(out, tables, file);
        json::sax_parse(text, &reader);
    } catch (const json::exception& e) {
        return {Code::FormatError, file + ": malformed JSON: " + e.what()};
    }
    return Status::ok();
}

/// Reads and parses a JSON file: NotFound when it is absent, FormatError (with the position) when broken.
Status readJson(const fs::path& path, json& out) {
    std::string text;
    WS_TRY(readText(path, text));
    try {
        out = json::parse(text);
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
        BpeTables tables;
        WS_TRY(readTokenizerJson(tokenizerPath, j, tables));
        auto tok = std::make_unique<BpeTokenizer>();
        WS_TRY(tok->loadTokenizerJson(j, tokenizerPath.string(), &tables));
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
