// Chat template tests: the shared DeepSeek-V3 conversations and the template's tool-call rules and quirks.
#include "whalesong/tokenizer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "deepseek_tokenizer.h"
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ws::ChatMessage;
using ws::TokenId;
using ws::Tokenizer;
using ws::ToolCall;

using ws::test::kDeepSeekDir;

/// OpenAI-style JSON messages -> ChatMessage (content may be null; arguments a string or an object).
std::vector<ChatMessage> toMessages(const json& messages) {
    std::vector<ChatMessage> out;
    for (const json& m : messages) {
        ChatMessage msg;
        msg.role = m.at("role").get<std::string>();
        if (const auto c = m.find("content"); c != m.end() && !c->is_null())
            msg.content = c->get<std::string>();
        if (const auto calls = m.find("tool_calls"); calls != m.end() && calls->is_array()) {
            for (const json& call : *calls) {
                ToolCall tc;
                tc.type = call.value("type", "function");
                const json& fn = call.at("function");
                tc.name = fn.at("name").get<std::string>();
                const json& args = fn.at("arguments");
                tc.arguments = args.is_string() ? args.get<std::string>() : args.dump();
                msg.toolCalls.push_back(std::move(tc));
            }
        }
        out.push_back(std::move(msg));
    }
    return out;
}

std::string render(const Tokenizer& tok, const std::vector<ChatMessage>& messages, bool addGenerationPrompt) {
    auto r = tok.renderChat(messages, addGenerationPrompt);
    EXPECT_TRUE(r.isOk()) << r.status().message();
    return r.isOk() ? r.value() : std::string();
}

const std::string kBos = "<｜begin▁of▁sentence｜>";
const std::string kEos = "<｜end▁of▁sentence｜>";

TEST(ChatTemplate, RendersEveryPublicConversation) {
    REQUIRE_DEEPSEEK();
    std::ifstream in(kDeepSeekDir / "chat_template_public.jsonl");
    int count = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.empty())
            continue;
        const json c = json::parse(line);
        SCOPED_TRACE(c.at("id").get<std::string>());
        const std::string rendered =
            render(*tok, toMessages(c.at("messages")), c.at("add_generation_prompt").get<bool>());
        EXPECT_EQ(rendered, c.at("rendered").get<std::string>());
        EXPECT_EQ(tok->encode(rendered), c.at("ids").get<std::vector<TokenId>>());
        ++count;
    }
    EXPECT_EQ(count, 5);
}

TEST(ChatTemplate, SystemMessagesAreHoistedAndJoined) {
    REQUIRE_DEEPSEEK();
    const std::vector<ChatMessage> msgs = {
        {"system", "A.", {}}, {"user", "Hi", {}}, {"system", "B.", {}}, {"assistant", "Yo", {}}};
    EXPECT_EQ(render(*tok, msgs, true),
              kBos + "A.\n\nB.<｜User｜>Hi<｜Assistant｜>Yo" + kEos + "<｜Assistant｜>");
    EXPECT_EQ(render(*tok, msgs, false), kBos + "A.\n\nB.<｜User｜>Hi<｜Assistant｜>Yo" + kEos);
    EXPECT_EQ(render(*tok, {}, true), kBos + "<｜Assistant｜>");
}

TEST(ChatTemplate, AssistantContentIsVerbatim) {
    REQUIRE_DEEPSEEK();
    const std::vector<ChatMessage> msgs = {{"user", "q", {}},
                                           {"assistant", "  <think>x</think>\n\n a  ", {}}};
    EXPECT_EQ(render(*tok, msgs, false),
              kBos + "<｜User｜>q<｜Assistant｜>  <think>x</think>\n\n a  " + kEos);
}

TEST(ChatTemplate, SingleToolCallThenOutputThenAnswer) {
    REQUIRE_DEEPSEEK();
    const std::vector<ChatMessage> msgs = {
        {"user", "Weather in Paris?", {}},
        {"assistant", std::nullopt, {ToolCall{"function", "get_weather", R"({"city": "Paris"})"}}},
        {"tool", "18C, sunny", {}},
        {"assistant", "It is 18C and sunny.", {}},
        {"user", "Thanks", {}},
    };
    // One call: the block is never closed (quirk of the original V3 template).
    const std::string expected =
        kBos + "<｜User｜>Weather in Paris?" +
        "<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```"
        "json\n"
        "{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜>" +
        "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>18C, sunny<｜tool▁output▁end｜>" +
        "<｜tool▁outputs▁end｜>It is 18C and sunny." + kEos + "<｜User｜>Thanks<｜Assistant｜>";
    EXPECT_EQ(render(*tok, msgs, true), expected);
}

TEST(ChatTemplate, TwoToolCallsAndTwoOutputsEndingOnATool) {
    REQUIRE_DEEPSEEK();
    const std::vector<ChatMessage> msgs = {
        {"user", "Compare", {}},
        {"assistant", std::nullopt, {ToolCall{"function", "a", "{}"}, ToolCall{"function", "b", "[1]"}}},
        {"tool", "A", {}},
        {"tool", "B", {}},
    };
    const std::string expected =
        kBos + "<｜User｜>Compare" +
        "<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>a\n```json\n{}\n```"
        "<｜tool▁call▁end｜>" +
        "\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>b\n```json\n[1]\n```<｜tool▁call▁end｜>"
        "<｜tool▁calls▁end｜>" +
        kEos + "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>A<｜tool▁output▁end｜>" +
        "\n<｜tool▁output▁begin｜>B<｜tool▁output▁end｜><｜tool▁outputs▁end｜>";
    // A conversation that ends on a tool gets no generation prompt.
    EXPECT_EQ(render(*tok, msgs, true), expected);
    EXPECT_EQ(render(*tok, msgs, false), expected);
}

TEST(ChatTemplate, LaterToolCallMessagesReuseTheContinuationForm) {
    REQUIRE_DEEPSEEK();
    // ns.is_first and ns.is_output_first live for the whole conversation.
    const std::vector<ChatMessage> msgs = {
        {"user", "1", {}}, {"assistant", std::nullopt, {ToolCall{"function", "f", "{}"}}}, {"tool", "r1", {}},
        {"user", "2", {}}, {"assistant", std::nullopt, {ToolCall{"function", "g", "{}"}}}, {"tool", "r2", {}},
    };
    const std::string expected =
        kBos + "<｜User｜>1" +
        "<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n```json\n{}\n```"
        "<｜tool▁call▁end｜>" +
        "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>r1<｜tool▁output▁end｜>" + "<｜User｜>2" +
        "\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>g\n```json\n{}\n```<｜tool▁call▁end｜>"
        "<｜tool▁calls▁end｜>" +
        kEos + "\n<｜tool▁output▁begin｜>r2<｜tool▁output▁end｜><｜tool▁outputs▁end｜>";
    EXPECT_EQ(render(*tok, msgs, true), expected);
}

TEST(ChatTemplate, AssistantWithContentIgnoresToolCalls) {
    REQUIRE_DEEPSEEK();
    const std::vector<ChatMessage> msgs = {{"user", "q", {}},
                                           {"assistant", "a", {ToolCall{"function", "f", "{}"}}}};
    EXPECT_EQ(render(*tok, msgs, false), kBos + "<｜User｜>q<｜Assistant｜>a" + kEos);
}

TEST(ChatTemplate, RenderedToolPromptTokenizesWithSpecialIds) {
    REQUIRE_DEEPSEEK();
    const std::vector<ChatMessage> msgs = {
        {"user", "x", {}}, {"assistant", std::nullopt, {ToolCall{"function", "f", "{}"}}}, {"tool", "y", {}}};
    const auto ids = tok->encode(render(*tok, msgs, true));
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(ids.front(), 0);
    for (const TokenId special :
         {128803, 128804, 128806, 128808, 128814, 128809, 128810, 128812, 128813, 128811})
        EXPECT_EQ(std::count(ids.begin(), ids.end(), special), 1) << special;
}

TEST(ChatTemplate, UnknownRoleNamesTheMessageIndex) {
    REQUIRE_DEEPSEEK();
    const std::vector<ChatMessage> msgs = {{"user", "hi", {}}, {"robot", "beep", {}}};
    const auto r = tok->renderChat(msgs, true);
    ASSERT_FALSE(r.isOk());
    EXPECT_EQ(r.status().code(), ws::Code::InvalidArgument);
    EXPECT_NE(r.status().message().find("message 1"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("robot"), std::string::npos) << r.status().message();
}

TEST(ChatTemplate, MissingContentWhereTheTemplateNeedsItIsAnError) {
    REQUIRE_DEEPSEEK();
    for (const char* role : {"system", "user", "tool"}) {
        const std::vector<ChatMessage> msgs = {{"user", "hi", {}}, {role, std::nullopt, {}}};
        const auto r = tok->renderChat(msgs, true);
        ASSERT_FALSE(r.isOk()) << role;
        EXPECT_NE(r.status().message().find("message 1"), std::string::npos) << r.status().message();
    }
}

/// A folder with the real tokenizer.json (linked) and a tokenizer_config.json of our choosing.
std::unique_ptr<Tokenizer> withConfig(const std::string& name, const json& config) {
    const fs::path dir = fs::path(WS_TEST_WORK_DIR) / ("chat-template-" + name);
    fs::create_directories(dir);
    std::error_code ec;
    fs::remove(dir / "tokenizer.json", ec);
    fs::create_symlink(fs::absolute(kDeepSeekDir / "tokenizer.json"), dir / "tokenizer.json");
    std::ofstream(dir / "tokenizer_config.json") << config.dump();
    auto r = Tokenizer::load(dir);
    EXPECT_TRUE(r.isOk()) << r.status().message();
    return r.isOk() ? std::move(r).value() : nullptr;
}

TEST(ChatTemplate, TheModelsOwnTemplateIsUsed) {
    REQUIRE_DEEPSEEK();
    EXPECT_EQ(tok->chatTemplateSource(), "tokenizer_config.json");
    // DeepSeek-V2-Chat's template (tests/engine/fixtures/chat_templates), through the interpreter.
    std::ifstream in(fs::path(WS_SOURCE_DIR) / "tests/engine/fixtures/chat_templates/deepseek-ai-DeepSeek-V2.jinja");
    const std::string v2((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(v2.empty());
    auto t = withConfig("v2", {{"bos_token", kBos}, {"eos_token", kEos}, {"chat_template", v2}});
    ASSERT_TRUE(t);
    const std::vector<ChatMessage> msgs = {{"system", "Be brief.", {}}, {"user", "hi", {}}, {"assistant", "hello", {}},
                                           {"user", "2+2?", {}}};
    EXPECT_EQ(render(*t, msgs, true),
              kBos + "Be brief.\n\nUser: hi\n\nAssistant: hello" + kEos + "User: 2+2?\n\nAssistant:");
    // The list form of newer tokenizer_config.json files: the "default" entry.
    auto listed = withConfig("list", {{"bos_token", kBos}, {"chat_template", json::array({{{"name", "tool_use"}, {"template", "x"}},
                                                                                       {{"name", "default"}, {"template", "{{ messages[0]['content'] }}!"}}})}});
    ASSERT_TRUE(listed);
    EXPECT_EQ(render(*listed, {{"user", "hi", {}}}, true), "hi!");
}

TEST(ChatTemplate, NoTemplateFallsBackToTheBuiltInOneAndSaysSo) {
    REQUIRE_DEEPSEEK();
    auto t = withConfig("none", {{"bos_token", kBos}, {"eos_token", kEos}});
    ASSERT_TRUE(t);
    EXPECT_NE(t->chatTemplateSource().find("built-in"), std::string::npos);
    const std::vector<ChatMessage> msgs = {{"user", "hi", {}}};
    EXPECT_EQ(render(*t, msgs, true), render(*tok, msgs, true)); // V3's own template and the C++ one agree
}

TEST(ChatTemplate, ATemplateThatCannotRunFailsClearly) {
    REQUIRE_DEEPSEEK();
    // Does not parse: every render fails naming the file, line and column — never another template.
    auto bad = withConfig("bad", {{"bos_token", kBos}, {"chat_template", "{% for m in messages %}{{ m.content }"}});
    ASSERT_TRUE(bad);
    const auto r = bad->renderChat(std::vector<ChatMessage>{{"user", "hi", {}}}, true);
    ASSERT_FALSE(r.isOk());
    EXPECT_NE(r.status().message().find("tokenizer_config.json chat_template:1:"), std::string::npos) << r.status().message();
    // raise_exception: the template's own message.
    auto raising = withConfig("raise", {{"bos_token", kBos},
                                        {"chat_template", "{% if messages[0]['role'] != 'user' %}{{ raise_exception('first must be user') }}{% endif %}ok"}});
    ASSERT_TRUE(raising);
    const auto r2 = raising->renderChat(std::vector<ChatMessage>{{"system", "s", {}}}, true);
    ASSERT_FALSE(r2.isOk());
    EXPECT_NE(r2.status().message().find("first must be user"), std::string::npos) << r2.status().message();
    EXPECT_EQ(render(*raising, {{"user", "u", {}}}, true), "ok");
}

TEST(ChatTemplate, ThinkingReachesTheTemplate) {
    REQUIRE_DEEPSEEK();
    auto t = withConfig("thinking", {{"bos_token", kBos},
                                     {"chat_template", "{% if thinking is defined %}{{ 'on' if thinking else 'off' }}{% else %}unset{% endif %}"}});
    ASSERT_TRUE(t);
    const std::vector<ChatMessage> msgs = {{"user", "hi", {}}};
    EXPECT_EQ(t->renderChat(msgs, true).value(), "unset");
    EXPECT_EQ(t->renderChat(msgs, true, ws::ChatTemplateOptions{true}).value(), "on");
    EXPECT_EQ(t->renderChat(msgs, true, ws::ChatTemplateOptions{false}).value(), "off");
    // a template with the switch says so (the server passes thinking / reasoning_effort only then); V3's has none
    EXPECT_TRUE(t->chatTemplateHasThinkingSwitch());
    EXPECT_FALSE(tok->chatTemplateHasThinkingSwitch());
    auto plain = withConfig("no-thinking", {{"bos_token", kBos}, {"chat_template", "{{ messages[0].content }}"}});
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->chatTemplateHasThinkingSwitch());
}

} // namespace
