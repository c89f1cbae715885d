// Tool calls: the parser of DeepSeek-V3's call text on whole, split and garbled streams, and the grammar that
// forces a call.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "server/tool_calls.h"
#include "whalesong/grammar.h"

namespace ws::server {
namespace {

using nlohmann::ordered_json;

const std::string kTwoCalls = std::string("Let me check.") + std::string(kToolCallsBegin) + std::string(kToolCallBegin) +
                              "function" + std::string(kToolSep) + "get_weather\n```json\n{\"city\": \"杭州\", \"n\": 3}\n```" +
                              std::string(kToolCallEnd) + "\n" + std::string(kToolCallBegin) + "function" +
                              std::string(kToolSep) + "get_time\n```json\n{}\n```" + std::string(kToolCallEnd) +
                              std::string(kToolCallsEnd);

struct Joined {
    std::string content;
    std::vector<std::tuple<std::string, std::string, std::string>> calls; // id, name, arguments
};

/// Feeds `pieces`, then flush(); joins the deltas as a client does. Checks each call's first delta has id and name.
Joined feed(const std::vector<std::string>& pieces) {
    ToolCallParser p;
    Joined j;
    const auto take = [&](const ToolCallParser::Out& o) {
        j.content += o.content;
        for (const auto& c : o.calls) {
            if (static_cast<std::size_t>(c.index) == j.calls.size()) {
                EXPECT_FALSE(c.id.empty());
                EXPECT_FALSE(c.name.empty());
                j.calls.emplace_back(c.id, c.name, "");
            }
            EXPECT_LT(static_cast<std::size_t>(c.index), j.calls.size());
            if (static_cast<std::size_t>(c.index) < j.calls.size()) std::get<2>(j.calls[static_cast<std::size_t>(c.index)]) += c.arguments;
        }
    };
    for (const std::string& piece : pieces) take(p.push(piece));
    take(p.flush());
    return j;
}

TEST(ToolCallParser, WholeAndSplitAtEveryByteGiveTheSameCalls) {
    const Joined whole = feed({kTwoCalls});
    ASSERT_EQ(whole.calls.size(), 2u);
    EXPECT_EQ(whole.content, "Let me check.");
    EXPECT_EQ(std::get<1>(whole.calls[0]), "get_weather");
    EXPECT_EQ(std::get<2>(whole.calls[0]), "{\"city\": \"杭州\", \"n\": 3}");
    EXPECT_EQ(std::get<1>(whole.calls[1]), "get_time");
    EXPECT_EQ(std::get<2>(whole.calls[1]), "{}");
    EXPECT_NE(std::get<0>(whole.calls[0]), std::get<0>(whole.calls[1]));
    for (std::size_t cut = 0; cut <= kTwoCalls.size(); ++cut) {
        const Joined two = feed({kTwoCalls.substr(0, cut), kTwoCalls.substr(cut)});
        ASSERT_EQ(two.content, whole.content) << "cut at " << cut;
        ASSERT_EQ(two.calls.size(), 2u) << "cut at " << cut;
        for (int k = 0; k < 2; ++k) {
            EXPECT_EQ(std::get<1>(two.calls[k]), std::get<1>(whole.calls[k]));
            EXPECT_EQ(std::get<2>(two.calls[k]), std::get<2>(whole.calls[k])) << "cut at " << cut;
        }
    }
    std::vector<std::string> bytes;
    for (const char c : kTwoCalls) bytes.emplace_back(1, c);
    const Joined single = feed(bytes);
    EXPECT_EQ(single.content, whole.content);
    ASSERT_EQ(single.calls.size(), 2u);
    EXPECT_EQ(std::get<2>(single.calls[0]), std::get<2>(whole.calls[0]));
}

TEST(ToolCallParser, TextWithoutCallsPassesUnchangedAndMarkersAreNotLeaked) {
    const std::string text = "No tools here: <｜tool▁call▁begin｜ is not a marker, nor is <｜tool▁calls▁beg.";
    const Joined j = feed({text.substr(0, 20), text.substr(20, 30), text.substr(50)});
    EXPECT_EQ(j.content, text);
    EXPECT_TRUE(j.calls.empty());
}

TEST(ToolCallParser, GarbledStreamsNeverCrashAndLoseNoText) {
    std::mt19937_64 rng(std::random_device{}());
    for (int round = 0; round < 3000; ++round) {
        std::string s = kTwoCalls;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t pos = rng() % (s.size() + 1);
            switch (rng() % 4) {
            case 0: s.erase(pos, rng() % 12); break;
            case 1: s.insert(pos, std::string(1, "\n`{<｜"[rng() % 5])); break;
            case 2: s.insert(pos, std::string(kToolCallEnd)); break;
            default: s = s.substr(0, pos); break; // cut off, as max_tokens does
            }
        }
        std::vector<std::string> pieces;
        for (std::size_t at = 0; at < s.size();) {
            const std::size_t n = 1 + rng() % 9;
            pieces.push_back(s.substr(at, n));
            at += n;
        }
        const Joined j = feed(pieces);
        if (j.calls.empty()) {
            EXPECT_EQ(j.content, s) << "text was lost from \"" << s << "\"";
        }
        for (const auto& [id, name, args] : j.calls) {
            EXPECT_EQ(id.rfind("call_", 0), 0u);
            EXPECT_EQ(name.find('<'), std::string::npos);
        }
    }
}

TEST(ToolCallGrammar, ForcesACallWithValidArguments) {
    std::vector<ToolSpec> tools = {
        {"get_weather", ordered_json::parse(R"({"type":"object","properties":{"city":{"type":"string"},
            "unit":{"enum":["c","f"]}},"required":["city"],"additionalProperties":false})")},
        {"get_time", ordered_json::parse(R"({"type":"object","properties":{}})")}};
    auto g = Grammar::toolCalls(tools, true, "tools");
    ASSERT_TRUE(g.isOk()) << g.status().message();
    std::vector<std::string> bytes;
    for (unsigned b = 0; b < 256; ++b) bytes.emplace_back(1, static_cast<char>(b));
    const auto vocab = TokenVocabulary::fromTokens(bytes, {}, -1);
    const std::string calls = kTwoCalls.substr(std::string("Let me check.").size());
    {
        // the arguments of get_weather in kTwoCalls have "n": not in its schema, so refused
        GrammarMatcher m(g.value(), vocab);
        EXPECT_FALSE(m.acceptBytes(calls));
    }
    const std::string good = std::string(kToolCallsBegin) + std::string(kToolCallBegin) + "function" +
                             std::string(kToolSep) + "get_weather\n```json\n{\"city\": \"杭州\", \"unit\": \"c\"}\n```" +
                             std::string(kToolCallEnd) + "\n" + std::string(kToolCallBegin) + "function" +
                             std::string(kToolSep) + "get_time\n```json\n{}\n```" + std::string(kToolCallEnd) +
                             std::string(kToolCallsEnd);
    GrammarMatcher m(g.value(), vocab);
    EXPECT_TRUE(m.acceptBytes(good));
    EXPECT_TRUE(m.finished());
    GrammarMatcher wrongName(g.value(), vocab);
    EXPECT_FALSE(wrongName.acceptBytes(std::string(kToolCallsBegin) + std::string(kToolCallBegin) + "function" +
                                       std::string(kToolSep) + "get_wether"));
    // not parallel: one call, then the end
    auto single = Grammar::toolCalls(tools, false, "tools");
    ASSERT_TRUE(single.isOk());
    GrammarMatcher one(single.value(), vocab);
    EXPECT_FALSE(one.acceptBytes(good));
    // and what the grammar forces, the parser reads back
    const Joined j = feed({good});
    ASSERT_EQ(j.calls.size(), 2u);
    EXPECT_EQ(ordered_json::parse(std::get<2>(j.calls[0]))["city"], "杭州");
    // an unsupported keyword names the tool
    tools[1].parameters = ordered_json::parse(R"({"type":"object","properties":{"h":{"type":"integer","maximum":23}}})");
    auto bad = Grammar::toolCalls(tools, true, "tools");
    ASSERT_FALSE(bad.isOk());
    EXPECT_NE(bad.status().message().find("tools[1].function.parameters.properties.h.maximum"), std::string::npos)
        << bad.status().message();
}

} // namespace
} // namespace ws::server
