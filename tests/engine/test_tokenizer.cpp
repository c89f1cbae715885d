// Tokenizer tests: the shared DeepSeek-V3 cases, a tiny byte-level tokenizer, errors, streaming, threads.
#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer_json.h"
#include "tokenizer/utf8.h"
#include "whalesong/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>

#include "deepseek_tokenizer.h"
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ws::TokenId;
using ws::Tokenizer;

using ws::test::kDeepSeekDir;

std::vector<json> readJsonl(const fs::path& path) {
    std::vector<json> rows;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (!line.empty())
            rows.push_back(json::parse(line));
    return rows;
}

std::vector<TokenId> idsOf(const json& row) { return row.at("ids").get<std::vector<TokenId>>(); }

/// A fresh empty directory under the system temp dir, removed when the test ends.
class TempDir {
  public:
    TempDir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        m_path = fs::temp_directory_path() / ("ws_tok_" + std::string(info->test_suite_name()) + "_" +
                                              info->name() + "_" + std::to_string(std::random_device{}()));
        fs::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    const fs::path& path() const { return m_path; }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(m_path / name, std::ios::binary) << text;
    }

  private:
    fs::path m_path;
};

// ---------------------------------------------------------------------------------------------------------
// DeepSeek-V3: the public cases

TEST(DeepSeekTokenizer, EncodesEveryPublicCase) {
    REQUIRE_DEEPSEEK();
    const auto cases = readJsonl(kDeepSeekDir / "cases_public.jsonl");
    ASSERT_EQ(cases.size(), 160u);
    int passed = 0;
    for (const json& c : cases) {
        SCOPED_TRACE(c.at("id").get<std::string>());
        const auto ids = tok->encode(c.at("text").get<std::string>());
        EXPECT_EQ(ids, idsOf(c));
        passed += ids == idsOf(c);
    }
    EXPECT_EQ(passed, 160);
}

TEST(DeepSeekTokenizer, DecodesEveryPublicCase) {
    REQUIRE_DEEPSEEK();
    for (const json& c : readJsonl(kDeepSeekDir / "cases_public.jsonl")) {
        SCOPED_TRACE(c.at("id").get<std::string>());
        EXPECT_EQ(tok->decode(idsOf(c)), c.at("text").get<std::string>());
    }
}

TEST(DeepSeekTokenizer, SpecialIdsAndSizes) {
    REQUIRE_DEEPSEEK();
    EXPECT_EQ(tok->size(), 128815u);
    EXPECT_EQ(tok->bos(), 0);
    EXPECT_EQ(tok->eos(), 1);
    EXPECT_TRUE(tok->addBosByDefault());
    EXPECT_EQ(tok->tokenId("<｜User｜>"), 128803);
    EXPECT_EQ(tok->tokenId("<｜Assistant｜>"), 128804);
    EXPECT_EQ(tok->tokenId("<|EOT|>"), 128805);
    EXPECT_EQ(tok->tokenId("<｜tool▁sep｜>"), 128814);
    EXPECT_EQ(tok->tokenId("<think>"), std::nullopt);
    EXPECT_EQ(tok->tokenBytes(128803), "<｜User｜>");
    EXPECT_EQ(tok->tokenBytes(0), "<｜begin▁of▁sentence｜>");
    EXPECT_EQ(tok->tokenBytes(-1), "");
    EXPECT_EQ(tok->tokenBytes(128815), "");
    EXPECT_EQ(tok->decode(std::vector<TokenId>{-5, 999999}), "");
}

TEST(DeepSeekTokenizer, SpecialFlagsFollowTokenizerJson) {
    REQUIRE_DEEPSEEK();
    EXPECT_TRUE(tok->isSpecial(0));       // BOS
    EXPECT_TRUE(tok->isSpecial(1));       // EOS
    EXPECT_TRUE(tok->isSpecial(128000));  // <｜place▁holder▁no▁0｜>
    EXPECT_FALSE(tok->isSpecial(128803)); // <｜User｜> is special: false
    EXPECT_FALSE(tok->isSpecial(128806)); // <｜tool▁calls▁begin｜>: tool calls stay visible to their parser
    EXPECT_FALSE(tok->isSpecial(100));
}

TEST(DeepSeekTokenizer, TokenIdAcceptsByteLevelAndRawSpelling) {
    REQUIRE_DEEPSEEK();
    const auto viaByteLevel = tok->tokenId("Ġthe");
    ASSERT_TRUE(viaByteLevel.has_value());
    EXPECT_EQ(tok->tokenId(" the"), viaByteLevel);
    EXPECT_EQ(tok->tokenBytes(*viaByteLevel), " the");
    EXPECT_EQ(tok->tokenId("\n"), tok->tokenId("Ċ"));
}

TEST(DeepSeekTokenizer, AddBosPrependsBos) {
    REQUIRE_DEEPSEEK();
    const auto plain = tok->encode("Hello, my dog is cute");
    const auto withBos = tok->encode("Hello, my dog is cute", true);
    ASSERT_EQ(withBos.size(), plain.size() + 1);
    EXPECT_EQ(withBos.front(), 0);
    EXPECT_TRUE(std::equal(plain.begin(), plain.end(), withBos.begin() + 1));
    EXPECT_EQ(tok->encode("", true), std::vector<TokenId>{0});
    EXPECT_TRUE(tok->encode("").empty());
}

TEST(DeepSeekTokenizer, WhiteSpaceFollowsOnigurumaNotPcre2) {
    REQUIRE_DEEPSEEK();
    // Ids from HF tokenizers 0.23.2 (Oniguruma): U+180E is not \s there, U+0085 and U+2028 are.
    const std::pair<std::string, std::vector<TokenId>> cases[] = {
        {"a\u180E\u180E b", {67, 115522, 239, 115522, 239, 291}},
        {"x  \u180E", {90, 223, 223, 115522, 239}},
        {"\u180E\u180E", {115522, 239, 115522, 239}},
        {"a \u180E\nb", {67, 223, 115522, 239, 201, 68}},
        {"x \u0085\u0085y", {90, 1203, 230, 129, 230, 91}},
        {"\u2028\u2028a  \u1680\u1680b", {300, 104, 300, 104, 67, 262, 160, 251, 225, 160, 251, 225, 68}},
    };
    for (const auto& [text, ids] : cases) {
        SCOPED_TRACE(text);
        EXPECT_EQ(tok->encode(text), ids);
        EXPECT_EQ(tok->decode(ids), text);
    }
}

TEST(DeepSeekTokenizer, DigitsSplitInThreesFromTheLeft) {
    REQUIRE_DEEPSEEK();
    const auto ids = tok->encode("1234567");
    ASSERT_EQ(ids.size(), 3u);
    EXPECT_EQ(tok->tokenBytes(ids[0]), "123");
    EXPECT_EQ(tok->tokenBytes(ids[1]), "456");
    EXPECT_EQ(tok->tokenBytes(ids[2]), "7");
}

TEST(DeepSeekTokenizer, AddedTokensMatchInsideTextLongestFirst) {
    REQUIRE_DEEPSEEK();
    const auto ids = tok->encode("x<｜tool▁calls▁begin｜>y<｜tool▁call▁begin｜>");
    ASSERT_EQ(ids.size(), 4u);
    EXPECT_EQ(ids[1], 128806);
    EXPECT_EQ(ids[3], 128808);
    // An incomplete token is plain text.
    const auto partial = tok->encode("<｜tool▁call");
    EXPECT_EQ(std::count(partial.begin(), partial.end(), 128808), 0);
    EXPECT_EQ(tok->decode(partial), "<｜tool▁call");
}

TEST(DeepSeekTokenizer, InvalidUtf8RoundTripsByteForByte) {
    REQUIRE_DEEPSEEK();
    const std::vector<std::string> texts = {std::string("\xff\xfe abc \xc3", 8), std::string("\xe4\xbd", 2),
                                            std::string("a\0b", 3), std::string("\xed\xa0\x80 surrogate", 13),
                                            std::string("\xf0\x9f\x98 cut emoji", 13)};
    for (const auto& t : texts)
        EXPECT_EQ(tok->decode(tok->encode(t)), t);

    std::mt19937 rng(1234);
    for (int round = 0; round < 300; ++round) {
        std::string t(rng() % 64, '\0');
        for (char& ch : t)
            ch = static_cast<char>(rng() % 4 == 0 ? rng() % 256 : 0x20 + rng() % 0x60);
        EXPECT_EQ(tok->decode(tok->encode(t)), t);
    }
}

TEST(DeepSeekTokenizer, LongWordsStayFast) {
    REQUIRE_DEEPSEEK();
    const std::string word(20000, 'a');
    const auto ids = tok->encode(word);
    EXPECT_EQ(tok->decode(ids), word);
    std::string mixed;
    for (int i = 0; i < 2000; ++i)
        mixed += "深度求索abc123 ";
    EXPECT_EQ(tok->decode(tok->encode(mixed)), mixed);
}

TEST(DeepSeekTokenizer, ConcurrentEncodeGivesTheSameIds) {
    REQUIRE_DEEPSEEK();
    const auto cases = readJsonl(kDeepSeekDir / "cases_public.jsonl");
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int rep = 0; rep < 3; ++rep)
                for (const json& c : cases)
                    failures[static_cast<std::size_t>(t)] +=
                        tok->encode(c.at("text").get<std::string>()) != idsOf(c);
        });
    }
    for (auto& th : threads)
        th.join();
    for (int f : failures)
        EXPECT_EQ(f, 0);
}

// ---------------------------------------------------------------------------------------------------------
// Streaming

TEST(StreamDecoder, DeltasAreValidUtf8AndConcatenateToTheText) {
    REQUIRE_DEEPSEEK();
    const std::string text =
        "鲸歌 Whalesong 🐋🐳 says 你好，世界！👨‍👩‍👧‍👦 ok 𪚥 naïve 🇨🇳";
    const auto ids = tok->encode(text);
    ws::StreamDecoder dec(*tok);
    std::string all;
    int emptyDeltas = 0;
    for (const TokenId id : ids) {
        const std::string delta = dec.push(id);
        EXPECT_TRUE(ws::detail::isValidUtf8(delta)) << "delta after id " << id;
        emptyDeltas += delta.empty();
        all += delta;
    }
    all += dec.flush();
    EXPECT_EQ(all, text);
    EXPECT_GT(emptyDeltas, 0) << "expected at least one character split across tokens";
}

TEST(StreamDecoder, HoldsBackASplitCharacterAndRepairsLeftovers) {
    REQUIRE_DEEPSEEK();
    const std::string emoji = "😀"; // F0 9F 98 80
    std::vector<TokenId> byteIds;
    for (const char ch : emoji) {
        const auto id = tok->tokenId(std::string(1, ch));
        ASSERT_TRUE(id.has_value());
        byteIds.push_back(*id);
    }
    ws::StreamDecoder dec(*tok);
    EXPECT_EQ(dec.push(byteIds[0]), "");
    EXPECT_EQ(dec.push(byteIds[1]), "");
    EXPECT_EQ(dec.push(byteIds[2]), "");
    EXPECT_EQ(dec.push(byteIds[3]), emoji);
    EXPECT_EQ(dec.flush(), "");

    // A truncated sequence at the end becomes one U+FFFD.
    EXPECT_EQ(dec.push(byteIds[0]), "");
    EXPECT_EQ(dec.push(byteIds[1]), "");
    EXPECT_EQ(dec.flush(), "\xEF\xBF\xBD");

    // A byte that can never start a character is replaced at once, and what follows still flows.
    const auto ff = tok->tokenId("\xff");
    ASSERT_TRUE(ff.has_value());
    const auto a = tok->tokenId("a");
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(dec.push(*ff), "\xEF\xBF\xBD");
    EXPECT_EQ(dec.push(byteIds[0]), "");
    EXPECT_EQ(dec.push(*a), "\xEF\xBF\xBD"
                            "a");
    EXPECT_EQ(dec.flush(), "");
}

// ---------------------------------------------------------------------------------------------------------
// A tiny tokenizer.json as the test models ship it

/// 256 byte tokens, a few merges, BOS/EOS as added tokens; `pre` is the pre_tokenizer JSON.
std::string tinyTokenizerJson(const json& pre, bool mergesAsPairs) {
    json vocab = json::object();
    // Token strings in the GPT-2 byte-level alphabet: printable Latin-1 as is, the rest from U+0100 on.
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        std::string s;
        ws::detail::appendUtf8(s, printable ? static_cast<char32_t>(b) : next++);
        vocab[s] = b;
    }
    const std::vector<std::pair<std::string, std::string>> merges = {{"h", "e"}, {"l", "l"}, {"he", "ll"},
                                                                     {"Ġ", "w"}, {"o", "r"}, {"Ġw", "or"}};
    int id = 256;
    json mergeList = json::array();
    for (const auto& [a, b] : merges) {
        vocab[a + b] = id++;
        if (mergesAsPairs)
            mergeList.push_back(json::array({a, b}));
        else
            mergeList.push_back(a + " " + b);
    }
    json j = {{"version", "1.0"},
              {"added_tokens", json::array({{{"id", 262},
                                             {"content", "<｜begin▁of▁sentence｜>"},
                                             {"special", true},
                                             {"normalized", false},
                                             {"lstrip", false},
                                             {"rstrip", false},
                                             {"single_word", false}},
                                            {{"id", 263},
                                             {"content", "<｜end▁of▁sentence｜>"},
                                             {"special", true},
                                             {"normalized", false},
                                             {"lstrip", false},
                                             {"rstrip", false},
                                             {"single_word", false}}})},
              {"normalizer", nullptr},
              {"pre_tokenizer", pre},
              {"post_processor", nullptr},
              {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}},
              {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", mergeList}}}};
    return j.dump();
}

std::vector<std::string> tokensOf(const Tokenizer& tok, const std::vector<TokenId>& ids) {
    std::vector<std::string> out;
    for (const TokenId id : ids)
        out.push_back(tok.tokenBytes(id));
    return out;
}

TEST(TinyTokenizer, ByteLevelWithGpt2Regex) {
    TempDir dir;
    dir.write(
        "tokenizer.json",
        tinyTokenizerJson({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}, true));
    auto r = Tokenizer::load(dir.path());
    ASSERT_TRUE(r.isOk()) << r.status().message();
    const Tokenizer& tok = *r.value();
    EXPECT_EQ(tok.size(), 264u);
    EXPECT_EQ(tok.bos(), 262);
    EXPECT_EQ(tok.eos(), 263);
    EXPECT_FALSE(tok.addBosByDefault()); // no tokenizer_config.json
    const auto ids = tok.encode("hello world<｜end▁of▁sentence｜>", true);
    EXPECT_EQ(tokensOf(tok, ids), (std::vector<std::string>{"<｜begin▁of▁sentence｜>", "hell", "o", " wor",
                                                            "l", "d", "<｜end▁of▁sentence｜>"}));
    EXPECT_EQ(tok.decode(ids), "<｜begin▁of▁sentence｜>hello world<｜end▁of▁sentence｜>");
    // "'s" is its own GPT-2 piece.
    EXPECT_EQ(tokensOf(tok, tok.encode("he's")), (std::vector<std::string>{"he", "'", "s"}));
}

TEST(TinyTokenizer, ByteLevelWithoutRegexAndNullPreTokenizer) {
    for (const json& pre :
         {json{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}, json(nullptr)}) {
        TempDir dir;
        dir.write("tokenizer.json", tinyTokenizerJson(pre, false));
        auto r = Tokenizer::load(dir.path());
        ASSERT_TRUE(r.isOk()) << r.status().message();
        const Tokenizer& tok = *r.value();
        // Without a split, "o w" stays one piece: "o" + " wor" still merge as in one word.
        EXPECT_EQ(tokensOf(tok, tok.encode("hello world")),
                  (std::vector<std::string>{"hell", "o", " wor", "l", "d"}));
    }
}

TEST(TinyTokenizer, AddPrefixSpace) {
    TempDir dir;
    dir.write(
        "tokenizer.json",
        tinyTokenizerJson({{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}}, true));
    auto r = Tokenizer::load(dir.path());
    ASSERT_TRUE(r.isOk()) << r.status().message();
    EXPECT_EQ(tokensOf(*r.value(), r.value()->encode("world")), (std::vector<std::string>{" wor", "l", "d"}));
}

TEST(TinyTokenizer, ConfigChoosesBosEosAndAddBos) {
    TempDir dir;
    dir.write(
        "tokenizer.json",
        tinyTokenizerJson({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}, true));
    dir.write("tokenizer_config.json",
              R"({"add_bos_token": true, "bos_token": "<｜end▁of▁sentence｜>",
                  "eos_token": {"content": "<｜begin▁of▁sentence｜>"}})");
    auto r = Tokenizer::load(dir.path());
    ASSERT_TRUE(r.isOk()) << r.status().message();
    EXPECT_EQ(r.value()->bos(), 263);
    EXPECT_EQ(r.value()->eos(), 262);
    EXPECT_TRUE(r.value()->addBosByDefault());
    // The chat template writes the configured BOS text.
    const std::vector<ws::ChatMessage> msgs = {{"user", "hi", {}}};
    const auto rendered = r.value()->renderChat(msgs, false);
    ASSERT_TRUE(rendered.isOk());
    EXPECT_EQ(rendered.value(), "<｜end▁of▁sentence｜><｜User｜>hi");
}

// ---------------------------------------------------------------------------------------------------------
// Errors

TEST(TokenizerErrors, MissingDirectoryNamesTheFile) {
    const auto r = Tokenizer::load("/nonexistent/whalesong/tokenizer-dir");
    ASSERT_FALSE(r.isOk());
    EXPECT_EQ(r.status().code(), ws::Code::NotFound);
    EXPECT_NE(r.status().message().find("tokenizer.json"), std::string::npos) << r.status().message();
}

TEST(TokenizerErrors, MalformedJsonNamesTheFile) {
    TempDir dir;
    dir.write("tokenizer.json", "{\"model\": {\"vocab\": {\"a\": 0,,}");
    const auto r = Tokenizer::load(dir.path());
    ASSERT_FALSE(r.isOk());
    EXPECT_EQ(r.status().code(), ws::Code::FormatError);
    EXPECT_NE(r.status().message().find("tokenizer.json"), std::string::npos) << r.status().message();
}

struct BrokenCase {
    const char* json;
    const char* expected; ///< a substring of the message
};

TEST(TokenizerErrors, MissingOrWrongFieldsNameTheField) {
    const BrokenCase cases[] = {
        {R"({})", "model"},
        {R"({"model": {"merges": []}})", "model.vocab"},
        {R"({"model": {"vocab": {"a": 0}}})", "model.merges"},
        {R"({"model": {"vocab": {"a": "zero"}, "merges": []}})", "model.vocab"},
        {R"({"model": {"vocab": {"a": 0}, "merges": ["a b"]}})", "model.merges[0]"},
        {R"({"model": {"vocab": {"a": 0}, "merges": [7]}})", "model.merges[0]"},
        {R"({"model": {"vocab": {"z": -1, "a": -1}, "merges": []}})", "model.vocab[\"a\"]"}, // the first by name
        {R"({"model": {"vocab": {"a": 0}, "merges": ["a zz", 7]}})", "model.merges[0]: token \"zz\""}, // in order
        {R"({"model": {"type": "WordPiece", "vocab": {"a": 0}, "merges": []}})", "model.type"},
        {R"({"model": {"vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Whitespace"}})",
         "pre_tokenizer.type"},
        {R"({"model": {"vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Sequence",
            "pretokenizers": [{"type": "Split", "pattern": {"Regex": "("}, "behavior": "Isolated"}]}})",
         "pre_tokenizer.pretokenizers[0].pattern"},
        {R"({"model": {"vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Split",
            "pattern": {"Regex": "a"}, "behavior": "Sideways"}})",
         "pre_tokenizer.behavior"},
        {R"({"model": {"vocab": {"a": 0}, "merges": []}, "normalizer": {"type": "NFC"}})", "normalizer"},
        {R"({"model": {"vocab": {"a": 0}, "merges": []}, "added_tokens": [{"content": "x"}]})",
         "added_tokens[0].id"},
        {R"([1, 2])", "top level"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.json);
        TempDir dir;
        dir.write("tokenizer.json", c.json);
        const auto r = Tokenizer::load(dir.path());
        ASSERT_FALSE(r.isOk());
        EXPECT_NE(r.status().message().find("tokenizer.json"), std::string::npos) << r.status().message();
        EXPECT_NE(r.status().message().find(c.expected), std::string::npos) << r.status().message();
    }
}

// Tokenizer::load reads model.vocab and model.merges while it parses tokenizer.json (no DOM of them); the DOM path
// (GGUF metadata) reads them from a parsed document. Both must give the same tokenizer or the same message, on good
// files and on every kind of wrong vocab / merges entry.
TEST(TokenizerErrors, StreamedAndParsedTokenizerJsonAgree) {
    const json pre = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
    std::vector<std::string> texts = {tinyTokenizerJson(pre, false), tinyTokenizerJson(pre, true)};
    const json base = json::parse(tinyTokenizerJson(pre, true));
    const auto edit = [&](const std::function<void(json&)>& f) {
        json j = base;
        f(j);
        texts.push_back(j.dump());
    };
    for (const json& bad : {json("x"), json(-1), json(3.5), json(3.0), json({{"b", 1}}), json::array({1}),
                            json(4294967296LL), json(2147483647), json(nullptr), json(true)})
        edit([&](json& j) { j["model"]["vocab"]["h"] = bad; });
    edit([&](json& j) { j["model"]["vocab"]["h"] = 300; }); // a gap in the ids
    for (const json& bad : {json::array({1, 2}), json(nullptr), json("vocab"), json::object()})
        edit([&](json& j) { j["model"]["vocab"] = bad; });
    for (const json& bad : {json(7), json("h e l"), json("he"), json::array({"h"}), json::array({"h", "e", "l"}),
                            json::array({"h", 1}), json::array({json::array({"h"}), "e"}), json({{"x", 1}}),
                            json(nullptr), json::array({"h", "zz"}), json("h zz")})
        edit([&](json& j) { j["model"]["merges"][3] = bad; });
    for (const json& bad : {json::object(), json("h e"), json(nullptr), json::array()})
        edit([&](json& j) { j["model"]["merges"] = bad; });
    edit([&](json& j) { j["model"].erase("merges"); });
    edit([&](json& j) { j["model"].erase("vocab"); });
    edit([&](json& j) { j["model"]["merges"].push_back(j["model"]["merges"][0]); }); // a repeated merge
    edit([&](json& j) { j["pre_tokenizer"]["vocab"] = json::object(); });            // elsewhere: not the model's
    // Repeated keys, which the DOM resolves to the last.
    const std::string tiny = tinyTokenizerJson(pre, false);
    const std::size_t model = tiny.find("\"model\":");
    ASSERT_NE(model, std::string::npos);
    const std::string head = tiny.substr(0, model), modelValue = tiny.substr(model + 8, tiny.size() - model - 9);
    texts.push_back(head + R"("model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a a"]}, "model":)" + modelValue +
                    "}");
    texts.push_back(head + "\"model\":" + modelValue +
                    R"(, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})");
    texts.push_back(head + R"("model": {"type": "BPE", "vocab": 5, "merges": [], "vocab": {"a": 0}}})");
    texts.push_back(head + R"("model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "vocab": 5}})");
    texts.push_back(head + R"("model": {"type": "BPE", "vocab": {"a": 0, "a": 1, "aa": 2}, "merges": ["a a"]}})");
    texts.push_back(head + R"("model": {"type": "BPE", "vocab": {"a": "x", "a": 0, "aa": 1}, "merges": ["a a"]}})");
    texts.push_back(head + R"("model": {"type": "BPE", "vocab": {"z": -1, "a": -1}, "merges": []}})");
    texts.push_back(head + R"("model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a zz", 7]}})");

    int loaded = 0, refused = 0;
    for (const std::string& text : texts) {
        SCOPED_TRACE(text.substr(0, 300));
        TempDir dir;
        dir.write("tokenizer.json", text);
        const std::string file = (dir.path() / "tokenizer.json").string();
        const auto streamed = Tokenizer::load(dir.path());
        const auto parsed = ws::detail::tokenizerFromJson(json::parse(text), nullptr, file);
        ASSERT_EQ(streamed.isOk(), parsed.isOk()) << (streamed.isOk() ? parsed : streamed).status().message();
        if (!streamed.isOk()) {
            ++refused;
            EXPECT_EQ(streamed.status().message(), parsed.status().message());
            EXPECT_EQ(streamed.status().code(), parsed.status().code());
            continue;
        }
        ++loaded;
        const Tokenizer& a = *streamed.value();
        const Tokenizer& b = *parsed.value();
        EXPECT_EQ(a.size(), b.size());
        for (TokenId id = 0; id < static_cast<TokenId>(a.size()); ++id)
            ASSERT_EQ(a.tokenBytes(id), b.tokenBytes(id)) << id;
        for (const char* sample : {"hello world", "he's here", "aaa", "wor<｜end▁of▁sentence｜>"})
            EXPECT_EQ(a.encode(sample, true), b.encode(sample, true)) << sample;
    }
    // The two tiny files, the gap, no merges, the repeated merge, "vocab" elsewhere, five of the eight with repeated
    // keys and the like.
    EXPECT_EQ(loaded, 11);
    EXPECT_GT(refused, 25);
}

// Random mutations of a tiny tokenizer.json (fresh seed, printed): the streamed and the parsed paths agree on
// whether it loads, a file that is not JSON is refused as malformed, nothing crashes (the suite runs under ASan).
TEST(TokenizerErrors, MutatedTokenizerJsonStreamedAndParsedAgree) {
    const std::uint64_t seed = std::random_device{}();
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    const std::string good =
        tinyTokenizerJson({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}, true);
    const std::string alphabet = "{}[]\":,0123456789-. aehlz\\";
    TempDir dir;
    const std::string file = (dir.path() / "tokenizer.json").string();
    int agreeLoaded = 0;
    for (int n = 0; n < 200; ++n) {
        std::string text = good;
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits && !text.empty(); ++e) {
            const std::size_t at = rng() % text.size();
            switch (rng() % 4) {
            case 0: text[at] = alphabet[rng() % alphabet.size()]; break;
            case 1: text.erase(at, 1 + rng() % 8); break;
            case 2: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
            default: text.resize(at); break;
            }
        }
        SCOPED_TRACE(text.substr(0, 200));
        dir.write("tokenizer.json", text);
        const auto streamed = Tokenizer::load(dir.path());
        if (!json::accept(text)) {
            ASSERT_FALSE(streamed.isOk());
            EXPECT_NE(streamed.status().message().find("malformed JSON"), std::string::npos)
                << streamed.status().message();
            continue;
        }
        const auto parsed = ws::detail::tokenizerFromJson(json::parse(text), nullptr, file);
        ASSERT_EQ(streamed.isOk(), parsed.isOk()) << (streamed.isOk() ? parsed : streamed).status().message();
        if (streamed.isOk()) {
            ++agreeLoaded;
            EXPECT_EQ(streamed.value()->encode("hello world", false), parsed.value()->encode("hello world", false));
        } else {
            EXPECT_NE(streamed.status().message().find(file), std::string::npos) << streamed.status().message();
        }
    }
    std::printf("mutations of tokenizer.json: %d loaded by both paths alike\n", agreeLoaded);
}

TEST(TokenizerErrors, BrokenConfigNamesTheConfigFile) {
    TempDir dir;
    dir.write(
        "tokenizer.json",
        tinyTokenizerJson({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}, true));
    dir.write("tokenizer_config.json", R"({"bos_token": "<nope>"})");
    auto r = Tokenizer::load(dir.path());
    ASSERT_FALSE(r.isOk());
    EXPECT_NE(r.status().message().find("tokenizer_config.json: bos_token"), std::string::npos)
        << r.status().message();
    dir.write("tokenizer_config.json", "{oops");
    r = Tokenizer::load(dir.path());
    ASSERT_FALSE(r.isOk());
    EXPECT_NE(r.status().message().find("tokenizer_config.json"), std::string::npos) << r.status().message();
}

// ---------------------------------------------------------------------------------------------------------
// Internals

TEST(PreTokenizerInternals, WhiteSpaceFollowsOniguruma) {
    // \s becomes Unicode White_Space: U+0085 in, U+180E out.
    const std::string p = ws::detail::onigurumaToPcre2(R"(\s+(?!\S)|[^\s\p{L}]+|[\]\s])");
    EXPECT_EQ(p.find("\\s"), std::string::npos);
    EXPECT_EQ(p.find("\\S"), std::string::npos);
    auto re = ws::detail::Regex::compile("\\s+", false, "test");
    ASSERT_TRUE(re.isOk()) << re.status().message();
    auto pre = ws::detail::PreTokenizer::fromJson(
        json{{"type", "Split"}, {"pattern", {{"Regex", "\\s+"}}}, {"behavior", "Isolated"}}, "t.json");
    ASSERT_TRUE(pre.isOk()) << pre.status().message();
    std::vector<std::string_view> pieces;
    std::deque<std::string> arena;
    const std::string text = "a\u0085\u180E b";
    pre.value().split(text, pieces, arena);
    EXPECT_EQ(pieces, (std::vector<std::string_view>{"a", "\u0085", "\u180E", " ", "b"}));
}

TEST(PreTokenizerInternals, SplitBehaviors) {
    // HF's SplitDelimiterBehavior on "a-b--c" split at every "-".
    const std::pair<const char*, std::vector<std::string_view>> cases[] = {
        {"Isolated", {"a", "-", "b", "-", "-", "c"}},   {"Removed", {"a", "b", "c"}},
        {"MergedWithPrevious", {"a-", "b-", "-", "c"}}, {"MergedWithNext", {"a", "-b", "-", "-c"}},
        {"Contiguous", {"a", "-", "b", "--", "c"}},
    };
    for (const auto& [behavior, expected] : cases) {
        SCOPED_TRACE(behavior);
        auto pre = ws::detail::PreTokenizer::fromJson(
            json{{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}}, "t.json");
        ASSERT_TRUE(pre.isOk()) << pre.status().message();
        std::vector<std::string_view> pieces;
        std::deque<std::string> arena;
        pre.value().split("a-b--c", pieces, arena);
        EXPECT_EQ(pieces, expected);
    }
}

} // namespace
