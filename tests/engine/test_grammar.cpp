// Constrained decoding: the allowed-token masks against a brute-force reference (every token tried by stepping
// through its bytes), and the grammar of random JSON Schemas against an independent validator written here:
// instances written by a generator of this file are accepted, texts the grammar lets a random walk finish parse
// as JSON and satisfy the schema, mutated texts that break the schema are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "deepseek_tokenizer.h"
#include "grammar/cfg.h"
#include "whalesong/grammar.h"

namespace ws {
namespace {

using nlohmann::ordered_json;

// ---- an independent validator and instance generator for the schema subset ------------------------------------

std::size_t codePoints(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

bool validate(const ordered_json& s, const ordered_json& v) {
    if (s.is_boolean()) return s.get<bool>();
    if (s.value("nullable", false) && v.is_null()) return true;
    if (s.contains("const")) return v == s["const"];
    if (s.contains("enum"))
        return std::any_of(s["enum"].begin(), s["enum"].end(), [&](const ordered_json& e) { return e == v; });
    if (s.contains("anyOf"))
        return std::any_of(s["anyOf"].begin(), s["anyOf"].end(), [&](const ordered_json& x) { return validate(x, v); });
    if (!s.contains("type")) return true;
    std::vector<std::string> types;
    if (s["type"].is_string()) types.push_back(s["type"]);
    else for (const auto& t : s["type"]) types.push_back(t);
    for (const std::string& t : types) {
        if (t == "null" && v.is_null()) return true;
        if (t == "boolean" && v.is_boolean()) return true;
        if (t == "integer" && v.is_number_integer()) return true;
        if (t == "number" && v.is_number()) return true;
        if (t == "string" && v.is_string()) {
            const std::size_t n = codePoints(v.get<std::string>());
            if (s.contains("minLength") && n < s["minLength"].get<std::size_t>()) continue;
            if (s.contains("maxLength") && n > s["maxLength"].get<std::size_t>()) continue;
            return true;
        }
        if (t == "array" && v.is_array()) {
            if (s.contains("minItems") && v.size() < s["minItems"].get<std::size_t>()) continue;
            if (s.contains("maxItems") && v.size() > s["maxItems"].get<std::size_t>()) continue;
            const ordered_json items = s.value("items", ordered_json(true));
            if (std::all_of(v.begin(), v.end(), [&](const ordered_json& x) { return validate(items, x); })) return true;
        }
        if (t == "object" && v.is_object()) {
            const ordered_json props = s.value("properties", ordered_json::object());
            bool ok = true;
            for (const auto& r : s.value("required", ordered_json::array())) ok = ok && v.contains(r.get<std::string>());
            for (const auto& [k, x] : v.items()) {
                if (props.contains(k)) ok = ok && validate(props[k], x);
                else if (s.contains("additionalProperties") && s["additionalProperties"] == false) ok = false;
            }
            if (ok) return true;
        }
    }
    return false;
}

std::string randomText(std::mt19937_64& rng, std::size_t n) {
    static const std::vector<std::string> pieces = {"a", "b", "Z", " ", "\"", "\\", "/", "\n", "\t", "é", "鲸", "歌",
                                                    "😀", "{", "}", "[", "]", ":", ",", "1", "\x01"};
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += pieces[rng() % pieces.size()];
    return s;
}

ordered_json randomSchema(std::mt19937_64& rng, int depth) {
    const int kind = static_cast<int>(rng() % (depth > 0 ? 11 : 7));
    switch (kind) {
    case 0: {
        ordered_json s = {{"type", "string"}};
        if (rng() % 2) s["minLength"] = rng() % 3;
        if (rng() % 2) s["maxLength"] = s.value("minLength", 0) + static_cast<int>(rng() % 4);
        return s;
    }
    case 1: return {{"type", "integer"}};
    case 2: return {{"type", "number"}};
    case 3: return {{"type", "boolean"}};
    case 4: return {{"type", rng() % 2 ? ordered_json("null") : ordered_json::array({"string", "null"})}};
    case 5: return {{"enum", ordered_json::array({"red", 42, nullptr, randomText(rng, 3), ordered_json::array({1, 2})})}};
    case 6: return {{"const", ordered_json{{"k", randomText(rng, 2)}}}};
    case 7:
    case 8: {
        ordered_json props = ordered_json::object(), required = ordered_json::array();
        const int n = static_cast<int>(rng() % 4);
        for (int i = 0; i < n; ++i) {
            const std::string key = i == 0 ? "名前" : "p" + std::to_string(i) + (rng() % 2 ? "\"q" : "");
            props[key] = randomSchema(rng, depth - 1);
            if (rng() % 2) required.push_back(key);
        }
        ordered_json s = {{"type", "object"}, {"properties", props}, {"required", required}};
        if (rng() % 2) s["additionalProperties"] = false;
        if (n == 0 && rng() % 2) s.erase("properties");
        return s;
    }
    case 9: {
        ordered_json s = {{"type", "array"}, {"items", randomSchema(rng, depth - 1)}};
        if (rng() % 2) s["minItems"] = rng() % 2;
        if (rng() % 2) s["maxItems"] = s.value("minItems", 0) + static_cast<int>(rng() % 3);
        return s;
    }
    default: {
        ordered_json s = {{"anyOf", ordered_json::array({randomSchema(rng, depth - 1), randomSchema(rng, depth - 1)})}};
        if (rng() % 3 == 0) s["nullable"] = true;
        return s;
    }
    }
}

ordered_json randomValue(std::mt19937_64& rng, int depth) {
    switch (rng() % (depth > 0 ? 7 : 5)) {
    case 0: return nullptr;
    case 1: return rng() % 2 == 0;
    case 2: return static_cast<int>(rng() % 2000) - 1000;
    case 3: return static_cast<double>(rng() % 1000) / 8.0 - 60.0;
    case 4: return randomText(rng, rng() % 5);
    case 5: return ordered_json::array({randomValue(rng, depth - 1), randomValue(rng, depth - 1)});
    default: return ordered_json{{randomText(rng, 2), randomValue(rng, depth - 1)}};
    }
}

/// An instance of `s`, properties in schema order (the form the grammar writes).
ordered_json instance(const ordered_json& s, std::mt19937_64& rng) {
    if (s.is_boolean()) return randomValue(rng, 2);
    if (s.value("nullable", false) && rng() % 3 == 0) return nullptr;
    if (s.contains("const")) return s["const"];
    if (s.contains("enum")) return s["enum"][rng() % s["enum"].size()];
    if (s.contains("anyOf")) return instance(s["anyOf"][rng() % s["anyOf"].size()], rng);
    if (!s.contains("type")) return randomValue(rng, 2);
    const std::string t = s["type"].is_string() ? s["type"].get<std::string>()
                                                : s["type"][rng() % s["type"].size()].get<std::string>();
    if (t == "null") return nullptr;
    if (t == "boolean") return rng() % 2 == 0;
    if (t == "integer") return static_cast<long long>(rng() % 100000) - 50000;
    if (t == "number") return static_cast<double>(rng() % 100000) / 64.0 - 700.0;
    if (t == "string") {
        const std::size_t lo = s.value("minLength", 0u), hi = s.value("maxLength", lo + 6u);
        std::string text;
        const std::size_t n = lo + rng() % (hi - lo + 1);
        for (std::size_t i = 0; i < n; ++i) text += randomText(rng, 1);
        return text;
    }
    if (t == "array") {
        const std::size_t lo = s.value("minItems", 0u), hi = s.value("maxItems", lo + 3u);
        ordered_json a = ordered_json::array();
        const std::size_t n = lo + rng() % (hi - lo + 1);
        for (std::size_t i = 0; i < n; ++i) a.push_back(instance(s.value("items", ordered_json(true)), rng));
        return a;
    }
    ordered_json o = ordered_json::object();
    std::set<std::string> required;
    for (const auto& r : s.value("required", ordered_json::array())) required.insert(r.get<std::string>());
    const ordered_json props = s.value("properties", ordered_json::object());
    for (const auto& [k, v] : props.items())
        if (required.count(k) || rng() % 2) o[k] = instance(v, rng);
    return o;
}

// ---- a small vocabulary of real tokens (every single byte, and a random 3,000 of DeepSeek-V3's) -------------

std::shared_ptr<const TokenVocabulary> smallVocabulary(const Tokenizer& tok, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::string> bytes;
    std::set<std::string> seen;
    for (unsigned b = 0; b < 256; ++b) bytes.emplace_back(1, static_cast<char>(b));
    seen.insert(bytes.begin(), bytes.end());
    while (bytes.size() < 3300) {
        const auto id = static_cast<TokenId>(rng() % tok.size());
        if (tok.isSpecial(id)) continue;
        std::string b = tok.tokenBytes(id);
        if (!b.empty() && seen.insert(b).second) bytes.push_back(std::move(b));
    }
    // and JSON-shaped pieces, as real vocabularies have them
    for (const char* s : {"\":", "\",", "\"}", "\n}", "},", "{\"", "null", "true", "  ", "\":\"", "\\n", "],"})
        if (seen.insert(s).second) bytes.emplace_back(s);
    std::vector<bool> special(bytes.size() + 2, false);
    bytes.push_back("<｜end▁of▁sentence｜>");
    special[bytes.size() - 1] = true;
    bytes.push_back("<｜tool▁calls▁begin｜>");
    special[bytes.size() - 1] = true;
    const auto eos = static_cast<TokenId>(bytes.size() - 2);
    return TokenVocabulary::fromTokens(std::move(bytes), std::move(special), eos);
}

/// allowedTokens() against allows() for every id; the first difference, or "".
std::string compareWithBruteForce(GrammarMatcher& m, const TokenVocabulary& v) {
    const auto& mask = m.allowedTokens();
    for (std::size_t i = 0; i < v.size; ++i) {
        const bool fast = (mask[i >> 6] >> (i & 63)) & 1;
        const bool slow = m.allows(static_cast<TokenId>(i));
        if (fast != slow)
            return "token " + std::to_string(i) + " \"" + v.bytes[i] + "\": mask says " + (fast ? "allowed" : "refused") +
                   ", stepping says " + (slow ? "allowed" : "refused");
    }
    return {};
}

TEST(Grammar, RandomSchemasMasksEqualBruteForceAndOutputsValidate) {
    REQUIRE_DEEPSEEK();
    const std::uint64_t seed = std::random_device{}();
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    const auto vocab = smallVocabulary(*tok, seed);
    int completed = 0, mutationsRefused = 0;
    for (int round = 0; round < 25; ++round) {
        const ordered_json schema = randomSchema(rng, 3);
        SCOPED_TRACE("schema " + schema.dump());
        auto g = Grammar::fromJsonSchema(schema, "schema");
        ASSERT_TRUE(g.isOk()) << g.status().message();
        // (a) an instance written by this file's generator is accepted, token by token, with exact masks
        for (int k = 0; k < 2; ++k) {
            const ordered_json value = instance(schema, rng);
            ASSERT_TRUE(validate(schema, value)) << value.dump();
            const std::string text = value.dump();
            GrammarMatcher m(g.value(), vocab);
            std::size_t at = 0;
            while (at < text.size()) {
                const std::string diff = compareWithBruteForce(m, *vocab);
                ASSERT_EQ(diff, "") << "after \"" << text.substr(0, at) << "\"";
                // a random allowed token that continues the text (single bytes always exist)
                std::vector<std::size_t> fits;
                for (std::size_t i = 0; i < vocab->size; ++i) {
                    const std::string& b = vocab->bytes[i];
                    if (!vocab->isSpecial[i] && !b.empty() && text.compare(at, b.size(), b) == 0) fits.push_back(i);
                }
                const std::size_t pick = fits[rng() % fits.size()];
                ASSERT_TRUE(m.accept(static_cast<TokenId>(pick)))
                    << "\"" << text << "\" refused at byte " << at << " (token \"" << vocab->bytes[pick] << "\")";
                at += vocab->bytes[pick].size();
            }
            EXPECT_TRUE(m.canEnd()) << text;
            EXPECT_EQ(compareWithBruteForce(m, *vocab), "");
            EXPECT_TRUE(m.accept(vocab->eos));
            // (c) a mutation that breaks the schema (or JSON) is refused
            for (int t = 0; t < 6; ++t) {
                std::string bad = text;
                const std::size_t pos = rng() % (bad.size() + 1);
                switch (rng() % 3) {
                case 0: if (!bad.empty()) bad.erase(std::min(pos, bad.size() - 1), 1); break;
                case 1: bad.insert(pos, randomText(rng, 1)); break;
                default: bad.insert(pos, "}"); break;
                }
                const auto parsed = ordered_json::parse(bad, nullptr, false);
                if (!parsed.is_discarded() && validate(schema, parsed)) continue;
                GrammarMatcher mm(g.value(), vocab);
                EXPECT_FALSE(mm.acceptBytes(bad) && mm.canEnd()) << "accepted invalid \"" << bad << "\"";
                ++mutationsRefused;
            }
        }
        // (b) random walks: exact masks at every step; a finished text parses and satisfies the schema
        for (int walk = 0; walk < 3; ++walk) {
            GrammarMatcher m(g.value(), vocab);
            std::string text;
            for (int step = 0; step < 120; ++step) {
                ASSERT_EQ(compareWithBruteForce(m, *vocab), "") << "after \"" << text << "\"";
                const auto& mask = m.allowedTokens();
                std::vector<std::size_t> allowed, closing;
                for (std::size_t i = 0; i < vocab->size; ++i)
                    if ((mask[i >> 6] >> (i & 63)) & 1) {
                        allowed.push_back(i);
                        if (vocab->bytes[i].find_first_of("\"}]") != std::string::npos || i == std::size_t(vocab->eos))
                            closing.push_back(i);
                    }
                ASSERT_FALSE(allowed.empty()) << "dead end after \"" << text << "\"";
                const auto& from = !closing.empty() && rng() % 2 ? closing : allowed;
                const std::size_t pick = from[rng() % from.size()];
                if (pick == static_cast<std::size_t>(vocab->eos)) {
                    const auto parsed = ordered_json::parse(text, nullptr, false);
                    ASSERT_FALSE(parsed.is_discarded()) << "not JSON: \"" << text << "\"";
                    EXPECT_TRUE(validate(schema, parsed)) << "does not satisfy the schema: " << text;
                    ++completed;
                    break;
                }
                ASSERT_TRUE(m.accept(static_cast<TokenId>(pick)));
                text += vocab->bytes[pick];
            }
        }
    }
    EXPECT_GT(completed, 10);
    EXPECT_GT(mutationsRefused, 50);
}

TEST(Grammar, FullVocabularyMaskEqualsBruteForce) {
    REQUIRE_DEEPSEEK();
    const auto vocab = TokenVocabulary::build(*tok);
    const ordered_json schema = ordered_json::parse(R"({"type": "object", "properties": {
        "city": {"type": "string", "maxLength": 12}, "days": {"type": "integer"},
        "unit": {"enum": ["celsius", "fahrenheit"]}}, "required": ["city", "days"], "additionalProperties": false})");
    auto g = Grammar::fromJsonSchema(schema, "schema");
    ASSERT_TRUE(g.isOk()) << g.status().message();
    GrammarMatcher m(g.value(), vocab);
    // at the start, inside a bounded string, after it, inside the integer, before the enum
    for (const char* piece : {"", "{\"city\": \"杭", "州\"", ", \"days\": 1", "2, \"unit\": "}) {
        ASSERT_TRUE(m.acceptBytes(piece)) << piece;
        ASSERT_EQ(compareWithBruteForce(m, *vocab), "") << "after " << piece;
    }
    EXPECT_FALSE(m.allows(vocab->eos));
    ASSERT_TRUE(m.acceptBytes("\"celsius\"}"));
    EXPECT_TRUE(m.finished());
    EXPECT_TRUE(m.allows(vocab->eos));
    // special tokens are never allowed by a JSON grammar
    EXPECT_FALSE(m.allows(*tok->tokenId("<｜tool▁calls▁begin｜>")));
}

// Bounded strings share one walk of the vocabulary across their positions (grammar::Chain): every position, below
// minLength, in between and at maxLength, must still give exactly the brute-force mask on the real vocabulary.
TEST(Grammar, BoundedStringPositionsEqualBruteForceOnTheFullVocabulary) {
    REQUIRE_DEEPSEEK();
    const auto vocab = TokenVocabulary::build(*tok);
    const ordered_json schema = ordered_json::parse(R"({"type": "object", "properties": {
        "a": {"type": "string", "minLength": 3, "maxLength": 6}, "b": {"type": "string", "maxLength": 2},
        "c": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 3}, "maxItems": 2}},
        "required": ["a", "b", "c"], "additionalProperties": false})");
    auto g = Grammar::fromJsonSchema(schema, "schema");
    ASSERT_TRUE(g.isOk()) << g.status().message();
    GrammarMatcher m(g.value(), vocab);
    // characters one at a time: 鲸 (3 bytes: the walk inside a character), an escape, ASCII; then the bound
    for (const char* piece : {"{\"a\": \"", "鲸", "\\n", "x", "\\u00e9", "y", "z", "\", \"b\": \"", "q", "r",
                              "\", \"c\": [\"", "s", "\", \"", "t", "u", "v"}) {
        ASSERT_TRUE(m.acceptBytes(piece)) << piece;
        ASSERT_EQ(compareWithBruteForce(m, *vocab), "") << "after " << piece;
    }
    EXPECT_FALSE(m.acceptBytes("w")); // a fourth character of c's second item: refused
    ASSERT_TRUE(m.acceptBytes("\"]}"));
    EXPECT_TRUE(m.finished());
}

// The walks every JSON grammar shares (string characters, digits, indentation) are made once per vocabulary by
// prepareJsonWalks, as a model does when it builds its vocabulary: a schema compiled afterwards finds every one of
// them there (none is walked again), and its masks at those positions — plain and bounded strings, mid-character,
// escapes, digits, indentation — are still exactly the brute-force masks on the real vocabulary.
TEST(Grammar, PreparedJsonWalksServeLaterSchemasExactly) {
    REQUIRE_DEEPSEEK();
    const auto vocab = TokenVocabulary::build(*tok);
    prepareJsonWalks(vocab);
    const auto prepared = [&] {
        std::lock_guard lock(vocab->sharedWalksMutex);
        return vocab->sharedWalks.size();
    };
    const std::size_t before = prepared();
    EXPECT_GT(before, 20u); // every position of the string rule (UTF-8, escapes), digits, indentation
    const ordered_json schema = ordered_json::parse(R"({"type": "object", "properties": {
        "note": {"type": "string"}, "code": {"type": "string", "maxLength": 4}, "n": {"type": "integer"},
        "x": {"type": "number"}}, "required": ["note", "code", "n", "x"], "additionalProperties": false})");
    auto g = Grammar::fromJsonSchema(schema, "schema");
    ASSERT_TRUE(g.isOk()) << g.status().message();
    GrammarMatcher m(g.value(), vocab);
    for (const char* piece : {"{\n  \"note\": \"", "\xE9\xB2", "\xB8", "\\u00", "e9 \\\"", "\", \"code\": \"",
                              "a", "\xE6\xAD", "\xA3", "\",\n\t\t\"n\": -1", "20", ", \"x\": 3.", "25e-", "7"}) {
        ASSERT_TRUE(m.acceptBytes(piece)) << piece;
        ASSERT_EQ(compareWithBruteForce(m, *vocab), "") << "after " << piece;
    }
    ASSERT_TRUE(m.acceptBytes("}"));
    EXPECT_TRUE(m.finished());
    EXPECT_EQ(prepared(), before) << "a repetition was walked again instead of found in the vocabulary";
}

// maskLogits over a row longer than the vocabulary (the model's 129,280 logits, 128,815 tokens): exactly the
// allowed tokens keep their logits, every other one — beyond the vocabulary too — is -inf, on masks that are
// mostly allowed (inside a string) and mostly refused (between values).
TEST(Grammar, MaskLogitsKeepsExactlyTheAllowedTokens) {
    REQUIRE_DEEPSEEK();
    const auto vocab = TokenVocabulary::build(*tok);
    auto g = Grammar::fromJsonSchema(ordered_json::parse(R"({"type": "object", "properties": {"s": {"type": "string"}},
        "required": ["s"], "additionalProperties": false})"), "schema");
    ASSERT_TRUE(g.isOk()) << g.status().message();
    GrammarMatcher m(g.value(), vocab);
    std::mt19937 rng(20261205);
    std::normal_distribution<float> normal;
    for (const char* piece : {"", "{\"s\": \"", "abc", "\"", "}"}) {
        ASSERT_TRUE(m.acceptBytes(piece)) << piece;
        std::vector<float> row(vocab->size + 465);
        for (float& x : row) x = normal(rng);
        const std::vector<float> original = row;
        const auto& mask = m.allowedTokens();
        const std::size_t allowed = m.maskLogits(row);
        std::size_t expected = 0;
        for (std::size_t i = 0; i < row.size(); ++i) {
            const bool ok = i < vocab->size && ((mask[i >> 6] >> (i & 63)) & 1);
            expected += ok ? 1 : 0;
            if (ok) ASSERT_EQ(row[i], original[i]) << "token " << i << " after " << piece;
            else ASSERT_TRUE(std::isinf(row[i]) && row[i] < 0) << "token " << i << " after " << piece;
        }
        EXPECT_EQ(allowed, expected) << "after " << piece;
        EXPECT_GT(allowed, 0u);
    }
}

TEST(Grammar, AnyJsonObjectAcceptsRealJsonAndNothingElse) {
    REQUIRE_DEEPSEEK();
    const auto vocab = TokenVocabulary::build(*tok);
    const auto g = Grammar::anyJson(true);
    for (const char* ok : {"{}", "{\"a\": [1, -2.5e+3, true, null, {\"b\": \"\\u00e9\\ud83d\\ude00\"}]}",
                           "{\n  \"鲸\": \"歌\",\n  \"x\": []\n}"}) {
        GrammarMatcher m(g, vocab);
        EXPECT_TRUE(m.acceptBytes(ok) && m.canEnd()) << ok;
    }
    for (const char* bad : {"[]", "\"s\"", "{\"a\":}", "{\"a\": 01}", "{\"a\": \"\\ud83d\"}", "{\"a\": \"\x01\"}",
                            "{'a': 1}", "{\"a\": 1,}", "{\"a\": \"\xC0\xAF\"}"}) {
        GrammarMatcher m(g, vocab);
        EXPECT_FALSE(m.acceptBytes(bad) && m.canEnd()) << bad;
    }
}

TEST(Grammar, UnsupportedOrImpossibleSchemasNameThePath) {
    const auto message = [](const char* schema) {
        auto g = Grammar::fromJsonSchema(ordered_json::parse(schema), "response_format.json_schema.schema");
        return g.isOk() ? std::string("compiled") : g.status().message();
    };
    EXPECT_NE(message(R"({"type":"object","properties":{"age":{"type":"integer","minimum":0}}})")
                  .find("response_format.json_schema.schema.properties.age.minimum"),
              std::string::npos);
    EXPECT_NE(message(R"({"type":"string","pattern":"^a+$"})").find("schema.pattern"), std::string::npos);
    EXPECT_NE(message(R"({"$ref":"#/$defs/missing"})").find("points to nothing"), std::string::npos);
    EXPECT_NE(message(R"({"$ref":"#"})").find("requires itself"), std::string::npos);
    EXPECT_NE(message(R"({"anyOf":[{"$ref":"#"},{"type":"null"}]})").find("left recursion"), std::string::npos);
    EXPECT_NE(message(R"({"type":"object","properties":{"me":{"$ref":"#"}},"required":["me"]})").find("no finite value"),
              std::string::npos);
    EXPECT_NE(message(R"({"type":"array","minItems":3,"maxItems":2})").find("maxItems"), std::string::npos);
    EXPECT_NE(message(R"({"type":"strin"})").find("schema.type"), std::string::npos);
    EXPECT_NE(message(R"({"type":"object","required":["x"]})").find("schema.required"), std::string::npos);
    // a recursive schema with a way out compiles, and accepts nested instances
    EXPECT_EQ(message(R"({"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},
        "next":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]}},"required":["v","next"]}},"$ref":"#/$defs/node"})"),
              "compiled");
}

TEST(Grammar, RecursiveRefAcceptsNestedInstances) {
    const auto g = Grammar::fromJsonSchema(ordered_json::parse(R"({"$defs":{"node":{"type":"object","properties":{
        "v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},
        "required":["v","kids"],"additionalProperties":false}},"$ref":"#/$defs/node"})"),
                                           "schema");
    ASSERT_TRUE(g.isOk()) << g.status().message();
    std::vector<std::string> bytes;
    for (unsigned b = 0; b < 256; ++b) bytes.emplace_back(1, static_cast<char>(b));
    const auto vocab = TokenVocabulary::fromTokens(bytes, {}, -1);
    GrammarMatcher ok(g.value(), vocab);
    EXPECT_TRUE(ok.acceptBytes(R"({"v": 1, "kids": [{"v": 2, "kids": []}, {"v": 3, "kids": [{"v":4,"kids":[]}]}]})"));
    EXPECT_TRUE(ok.canEnd());
    GrammarMatcher three(g.value(), vocab);
    EXPECT_FALSE(three.acceptBytes(R"({"v": 1, "kids": [{"v":2,"kids":[]},{"v":2,"kids":[]},{"v":2,"kids":[]}]})"));
}

} // namespace
} // namespace ws
