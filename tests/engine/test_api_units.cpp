// The API server's parts on their own: request parsing (every field, every error naming its param), the prefix
// cache's choice and eviction on a tiny model, and the admission line (order, limits, cancellation).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "server/admission.h"
#include "server/chat_request.h"
#include "server/session_pool.h"
#include "tiny_model.h"
#include "whalesong/api_server.h"
#include "whalesong/model.h"

namespace {

using nlohmann::json;
using ws::server::ChatRequest;

json base() { return json{{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}}; }

std::optional<ws::server::ApiError> parse(const json& body, ChatRequest& out) {
    return ws::server::parseChatRequest(body, 4096, 77, out);
}

std::string errorParam(const json& body) {
    ChatRequest r;
    auto e = parse(body, r);
    return e ? e->param + "|" + std::to_string(e->status) : "ok";
}

TEST(ChatRequest, DefaultsAndEveryHonouredField) {
    ChatRequest r;
    ASSERT_FALSE(parse(base(), r));
    EXPECT_EQ(r.model, "m");
    EXPECT_EQ(r.maxTokens, 4096);
    EXPECT_EQ(r.n, 1);
    EXPECT_FALSE(r.stream);
    EXPECT_EQ(r.sampling.seed, 77u); // the random seed given when the request has none

    json b = base();
    b["temperature"] = 0.7;
    b["top_p"] = 0.5;
    b["n"] = 3;
    b["stream"] = true;
    b["stream_options"] = {{"include_usage", true}};
    b["stop"] = "END";
    b["max_tokens"] = 100;
    b["presence_penalty"] = -1.5;
    b["frequency_penalty"] = 2;
    b["seed"] = 42;
    b["user"] = "someone";           // bookkeeping fields are ignored on purpose
    b["metadata"] = {{"k", "v"}};
    b["logit_bias"] = nullptr;       // null is "not given"
    ASSERT_FALSE(parse(b, r));
    {
        // A field this server does not honour is refused, never dropped silently.
        json other = b;
        other["logit_bias"] = {{"1", 5}};
        EXPECT_EQ(errorParam(other), "logit_bias|400");
    }
    EXPECT_FLOAT_EQ(r.sampling.temperature, 0.7f);
    EXPECT_FLOAT_EQ(r.sampling.top_p, 0.5f);
    EXPECT_EQ(r.n, 3);
    EXPECT_TRUE(r.stream);
    EXPECT_TRUE(r.includeUsage);
    EXPECT_EQ(r.stop, std::vector<std::string>{"END"});
    EXPECT_EQ(r.maxTokens, 100);
    EXPECT_FLOAT_EQ(r.sampling.presence_penalty, -1.5f);
    EXPECT_FLOAT_EQ(r.sampling.frequency_penalty, 2.0f);
    EXPECT_EQ(r.sampling.seed, 42u);

    b["max_completion_tokens"] = 7; // wins over max_tokens
    b["stop"] = {"a", "b", "c", "d"};
    ASSERT_FALSE(parse(b, r));
    EXPECT_EQ(r.maxTokens, 7);
    EXPECT_EQ(r.stop.size(), 4u);
}

TEST(ChatRequest, ContentPartsAndRoles) {
    json b = base();
    b["messages"] = {{{"role", "system"}, {"content", "be brief"}},
                     {{"role", "user"},
                      {"content", {{{"type", "text"}, {"text", "one"}}, {{"type", "text"}, {"text", "two"}}}}},
                     {{"role", "assistant"}, {"content", nullptr},
                      {"tool_calls", {{{"type", "function"}, {"function", {{"name", "f"}, {"arguments", "{}"}}}}}}},
                     {{"role", "developer"}, {"content", "x"}}};
    ChatRequest r;
    ASSERT_FALSE(parse(b, r));
    ASSERT_EQ(r.messages.size(), 4u);
    EXPECT_EQ(*r.messages[1].content, "one\ntwo");
    EXPECT_FALSE(r.messages[2].content);
    ASSERT_EQ(r.messages[2].toolCalls.size(), 1u);
    EXPECT_EQ(r.messages[2].toolCalls[0].name, "f");
    EXPECT_EQ(r.messages[3].role, "system");
}

TEST(ChatRequest, EachBadFieldIsNamed) {
    const auto with = [](const char* key, json v) {
        json b = base();
        b[key] = std::move(v);
        return errorParam(b);
    };
    EXPECT_EQ(errorParam(json::array()), "|400");
    EXPECT_EQ(with("model", 5), "model|400");
    EXPECT_EQ(with("messages", "hi"), "messages|400");
    EXPECT_EQ(with("messages", json::array()), "messages|400");
    EXPECT_EQ(with("temperature", "hot"), "temperature|400");
    EXPECT_EQ(with("temperature", 2.5), "temperature|400");
    EXPECT_EQ(with("temperature", -0.1), "temperature|400");
    EXPECT_EQ(with("top_p", 1.5), "top_p|400");
    EXPECT_EQ(with("n", 1.5), "n|400");
    EXPECT_EQ(with("n", 0), "n|400");
    EXPECT_EQ(with("n", 17), "n|400");
    EXPECT_EQ(with("stream", "yes"), "stream|400");
    EXPECT_EQ(with("stream_options", json{{"include_usage", 1}}), "stream_options.include_usage|400");
    EXPECT_EQ(with("stop", 3), "stop|400");
    EXPECT_EQ(with("stop", json{"a", "b", "c", "d", "e"}), "stop|400");
    EXPECT_EQ(with("stop", json{"a", 2}), "stop[1]|400");
    EXPECT_EQ(with("max_tokens", 0), "max_tokens|400");
    EXPECT_EQ(with("max_tokens", 16385), "max_tokens|400");
    EXPECT_EQ(with("max_completion_tokens", -3), "max_completion_tokens|400");
    EXPECT_EQ(with("presence_penalty", 2.5), "presence_penalty|400");
    EXPECT_EQ(with("frequency_penalty", "x"), "frequency_penalty|400");
    EXPECT_EQ(with("seed", "abc"), "seed|400");
    EXPECT_EQ(with("top_k", -2), "top_k|400");
    EXPECT_EQ(with("n", 2.0), "ok"); // 2.0 is an integer in JSON's eyes
    EXPECT_EQ(with("temperature", nullptr), "ok");

    json b = base();
    b["messages"] = {{{"role", "user"}, {"content", {{{"type", "text"}, {"text", "a"}}, {{"type", "image_url"}}}}}};
    EXPECT_EQ(errorParam(b), "messages[0].content[1].type|400");
    b["messages"] = {{{"role", "wizard"}, {"content", "x"}}};
    EXPECT_EQ(errorParam(b), "messages[0].role|400");
    b["messages"] = {{{"role", "user"}}};
    EXPECT_EQ(errorParam(b), "messages[0].content|400");
    b["messages"] = {{{"role", "user"}, {"content", "ok"}}, 7};
    EXPECT_EQ(errorParam(b), "messages[1]|400");

    ChatRequest r;
    b = base();
    b["temperature"] = 3;
    const auto e = parse(b, r);
    ASSERT_TRUE(e);
    EXPECT_NE(e->message.find("got 3"), std::string::npos) << e->message;
    const json j = e->toJson();
    EXPECT_EQ(j["error"]["type"], "invalid_request_error");
    EXPECT_EQ(j["error"]["param"], "temperature");
    EXPECT_TRUE(j["error"].contains("code"));
}

TEST(ApiServer, LoopbackHosts) {
    EXPECT_TRUE(ws::isLoopbackHost("127.0.0.1"));
    EXPECT_TRUE(ws::isLoopbackHost("127.1.2.3"));
    EXPECT_TRUE(ws::isLoopbackHost("localhost"));
    EXPECT_TRUE(ws::isLoopbackHost("::1"));
    EXPECT_FALSE(ws::isLoopbackHost("0.0.0.0"));
    EXPECT_FALSE(ws::isLoopbackHost("192.168.1.5"));
    EXPECT_FALSE(ws::isLoopbackHost("::"));
    ws::ApiServerOptions o;
    o.host = "0.0.0.0";
    o.port = 0;
    auto s = ws::ApiServer::start(o, nullptr, "x");
    ASSERT_FALSE(s);
    EXPECT_NE(s.status().message().find("API key"), std::string::npos) << s.status().message();
}

class SessionPoolTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const auto dir = wstest::freshDir("pool");
        ASSERT_TRUE(wstest::writeTinyModel(dir));
        auto m = ws::Model::load(dir);
        ASSERT_TRUE(m) << m.status().message();
        s_model = std::move(m).value();
    }
    static void TearDownTestSuite() { s_model.reset(); }
    static std::vector<ws::TokenId> seq(std::initializer_list<ws::TokenId> ids) { return ids; }
    static std::shared_ptr<const ws::Model> s_model;
};
std::shared_ptr<const ws::Model> SessionPoolTest::s_model;

TEST_F(SessionPoolTest, LongestPrefixWinsAndLeastRecentlyUsedGoes) {
    ws::server::SessionPool pool(std::size_t(1) << 30, 2);
    pool.setModel(s_model);
    const auto a = seq({5, 6, 7, 8}), b = seq({20, 21, 22});
    auto sa = pool.acquire(s_model, a, {});
    auto sb = pool.acquire(s_model, b, {});
    ASSERT_TRUE(sa && sb);
    ASSERT_TRUE(sa.value()->prefill(a));
    ASSERT_TRUE(sb.value()->prefill(b));
    ws::Session* pa = sa.value().get();
    ws::Session* pb = sb.value().get();
    pool.release(s_model, std::move(sa).value());
    pool.release(s_model, std::move(sb).value());
    EXPECT_EQ(pool.idleSessions(), 2u);

    // A conversation that extends A gets A's session back, with its cache.
    auto again = pool.acquire(s_model, seq({5, 6, 7, 8, 9, 10}), {});
    ASSERT_TRUE(again);
    EXPECT_EQ(again.value().get(), pa);
    ASSERT_TRUE(again.value()->prefill(seq({5, 6, 7, 8, 9, 10})));
    EXPECT_EQ(again.value()->lastReused(), 4u);
    pool.release(s_model, std::move(again).value());

    // Nothing shared and no room: the least recently used (B) is reused.
    auto other = pool.acquire(s_model, seq({99}), {});
    ASSERT_TRUE(other);
    EXPECT_EQ(other.value().get(), pb);
    pool.release(s_model, std::move(other).value());
    EXPECT_EQ(pool.idleSessions(), 2u);
}

TEST_F(SessionPoolTest, BudgetAndModelChangeDropSessions) {
    ws::server::SessionPool pool(1, 8); // one byte: nothing fits
    pool.setModel(s_model);
    auto s = pool.acquire(s_model, seq({3, 4}), {});
    ASSERT_TRUE(s);
    ASSERT_TRUE(s.value()->prefill(seq({3, 4})));
    pool.release(s_model, std::move(s).value());
    EXPECT_EQ(pool.idleSessions(), 0u);

    ws::server::SessionPool roomy(std::size_t(1) << 30, 8);
    roomy.setModel(s_model);
    auto t = roomy.acquire(s_model, seq({3, 4}), {});
    ASSERT_TRUE(t);
    ASSERT_TRUE(t.value()->prefill(seq({3, 4})));
    roomy.setModel(nullptr); // the server now serves another model: the old one's session is not kept
    roomy.release(s_model, std::move(t).value());
    EXPECT_EQ(roomy.idleSessions(), 0u);
}

TEST(Admission, FirstComeFirstServedWithinLimits) {
    ws::server::Admission a(1, 2);
    const auto t1 = a.reserve(), t2 = a.reserve(), t3 = a.reserve();
    EXPECT_NE(t1, 0u);
    EXPECT_NE(t2, 0u);
    EXPECT_NE(t3, 0u);
    EXPECT_EQ(a.reserve(), 0u); // 1 running + 2 waiting: full

    std::stop_source never;
    ASSERT_TRUE(a.enter(t1, never.get_token()));
    std::atomic<int> order{0};
    int got2 = 0, got3 = 0;
    std::thread th3([&] {
        if (a.enter(t3, never.get_token())) got3 = ++order;
        a.leave();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::thread th2([&] {
        if (a.enter(t2, never.get_token())) got2 = ++order;
        a.leave();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(order.load(), 0); // both wait while t1 runs
    a.leave();
    th2.join();
    th3.join();
    EXPECT_EQ(got2, 1); // t2 came first in line, though its thread asked later
    EXPECT_EQ(got3, 2);
}

TEST(Admission, CancelledWaiterGivesUpItsPlace) {
    ws::server::Admission a(1, 1);
    const auto t1 = a.reserve(), t2 = a.reserve();
    std::stop_source never, cancel;
    ASSERT_TRUE(a.enter(t1, never.get_token()));
    bool entered = true;
    std::thread th([&] { entered = a.enter(t2, cancel.get_token()); });
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    cancel.request_stop();
    th.join();
    EXPECT_FALSE(entered);
    EXPECT_NE(a.reserve(), 0u); // its place is free again
    a.leave();
}

} // namespace
