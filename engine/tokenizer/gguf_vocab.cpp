// GGUF tokenizer metadata (tokenizer.ggml.*) → the tokenizer.json it was converted from, for the BPE tokenizer.
#include <set>

#include "model/gguf_model.h"
#include "tokenizer/tokenizer_json.h"

namespace ws {
namespace {

using nlohmann::json;

// llama.cpp's token types (llama_token_type / gguf TokenType).
enum TokenType { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

json split(const char* regex) {
    return {{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}};
}

/// The pre_tokenizer of the tokenizer.json behind each `tokenizer.ggml.pre` name that DeepSeek models use: the
/// regular expressions of DeepSeek's own tokenizer.json files, then the byte-level mapping.
std::optional<json> preTokenizerFor(const std::string& pre) {
    // Non-ASCII characters as \x{…} escapes: the exact code points (an editor's Unicode normalisation would turn
    // U+2126 OHM SIGN into U+03A9 and change the classes).
    std::vector<const char*> regexes;
    if (pre == "deepseek-v3") {
        regexes = {"\\p{N}{1,3}", "[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+",
                   "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
                   "?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"};
    } else if (pre == "deepseek-llm") {
        regexes = {
            "[\r\n]",
            "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}\\x{295}-"
            "\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-"
            "\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-"
            "\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}"
            "\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-"
            "\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}"
            "\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-"
            "\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}"
            "\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}"
            "\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}"
            "\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-"
            "\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}"
            "\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}"
            "\\x{1E900}-\\x{1E943}]+",
            "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
            "\\s+$",
            "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+",
            "\\p{N}+"};
    } else if (pre == "deepseek-coder") {
        regexes = {"[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+",
                   "\\p{N}"};
    } else {
        return std::nullopt;
    }
    json steps = json::array();
    for (const char* r : regexes) steps.push_back(split(r));
    steps.push_back({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}});
    return json{{"type", "Sequence"}, {"pretokenizers", steps}};
}

} // namespace

Result<std::unique_ptr<Tokenizer>> tokenizerFromGguf(const GgufFile& f) {
    const std::string& file = f.fileName();
    const auto fail = [&](const std::string& key, const std::string& what) {
        return Result<std::unique_ptr<Tokenizer>>(Code::FormatError, file + ": metadata " + key + " " + what);
    };
    const GgufValue* model = f.find("tokenizer.ggml.model");
    if (!model) return fail("tokenizer.ggml.model", "is missing (the file has no tokenizer)");
    if (model->kind != GgufValue::Kind::String) return fail("tokenizer.ggml.model", "is not a string");
    if (model->str != "gpt2")
        return Result<std::unique_ptr<Tokenizer>>(Code::Unsupported, file + ": tokenizer.ggml.model '" + model->str +
                                                                         "' is not supported (DeepSeek models use gpt2: byte-level BPE)");
    const GgufValue* pre = f.find("tokenizer.ggml.pre");
    const std::string preName = pre && pre->kind == GgufValue::Kind::String ? pre->str : "";
    auto preTokenizer = preTokenizerFor(preName);
    if (!preTokenizer)
        return Result<std::unique_ptr<Tokenizer>>(
            Code::Unsupported, file + ": tokenizer.ggml.pre '" + preName +
                                   "' is not supported (supported: deepseek-v3, deepseek-llm, deepseek-coder)");
    const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
    if (!tokens || tokens->kind != GgufValue::Kind::StringArray || tokens->strings.empty())
        return fail("tokenizer.ggml.tokens", "is missing or not a list of strings");
    const GgufValue* types = f.find("tokenizer.ggml.token_type");
    if (types && (types->kind != GgufValue::Kind::NumberArray || types->numbers.size() != tokens->strings.size()))
        return fail("tokenizer.ggml.token_type", "must list one number per token (" +
                                                     std::to_string(tokens->strings.size()) + ")");
    const GgufValue* merges = f.find("tokenizer.ggml.merges");
    if (!merges || merges->kind != GgufValue::Kind::StringArray)
        return fail("tokenizer.ggml.merges", "is missing or not a list of strings");

    json vocab = json::object(), added = json::array();
    std::set<std::string> seen;
    for (std::size_t id = 0; id < tokens->strings.size(); ++id) {
        const std::string& t = tokens->strings[id];
        const int type = types ? static_cast<int>(types->numbers[id]) : kNormal;
        if (type == kControl || type == kUserDefined) {
            added.push_back({{"id", id}, {"content", t}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                             {"special", type == kControl}});
        } else if (type == kNormal || type == kUnknown || type == kUnused || type == kByte) {
            if (!seen.insert(t).second)
                return fail("tokenizer.ggml.tokens", "lists \"" + t + "\" twice (id " + std::to_string(id) + ")");
            vocab[t] = id;
        } else {
            return fail("tokenizer.ggml.token_type", "[" + std::to_string(id) + "] is " + std::to_string(type) +
                                                         " (expected 1 to 6)");
        }
    }
    json tok = {{"model", {{"type", "BPE"}, {"vocab", std::move(vocab)}, {"merges", merges->strings}}},
                {"pre_tokenizer", *preTokenizer},
                {"decoder", {{"type", "ByteLevel"}}},
                {"added_tokens", std::move(added)}};

    json config = json::object();
    const auto tokenKey = [&](const char* key, const char* field) -> Status {
        const GgufValue* v = f.find(key);
        if (!v) return Status::ok();
        if (v->kind != GgufValue::Kind::UInt || v->u >= tokens->strings.size())
            return {Code::FormatError, file + ": metadata " + key + " is not a token id below " +
                                           std::to_string(tokens->strings.size())};
        config[field] = tokens->strings[static_cast<std::size_t>(v->u)];
        return Status::ok();
    };
    WS_TRY(tokenKey("tokenizer.ggml.bos_token_id", "bos_token"));
    WS_TRY(tokenKey("tokenizer.ggml.eos_token_id", "eos_token"));
    if (const GgufValue* b = f.find("tokenizer.ggml.add_bos_token"); b && b->kind == GgufValue::Kind::Bool)
        config["add_bos_token"] = b->b;
    std::string chatTemplate;
    if (const GgufValue* t = f.find("tokenizer.chat_template")) {
        if (t->kind != GgufValue::Kind::String) return fail("tokenizer.chat_template", "is not a string");
        chatTemplate = t->str;
    }
    return detail::tokenizerFromJson(tok, &config, file + " (tokenizer metadata)", chatTemplate, "GGUF metadata");
}

} // namespace ws
