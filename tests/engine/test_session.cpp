// Sessions and generate() on a tiny generated V3 model: prefix reuse, limits, bad ids, stop strings, seeds, cancel.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stop_token>
#include <thread>

#include "whalesong/generate.h"
#include "whalesong/model.h"

namespace {

namespace fs = std::filesystem;

class SessionTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const fs::path dir = fs::path(WS_TEST_WORK_DIR) / "v3-bf16-seed7";
        if (!fs::exists(dir / "model.safetensors")) {
            fs::create_directories(dir.parent_path());
            const std::string cmd = std::string(WS_PYTHON) + " " + WS_SOURCE_DIR + "/tools/gen_tiny_model.py --out " +
                                    dir.string() + " --preset v3-bf16 --seed 7 > /dev/null";
            ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
        }
        ws::LoadOptions opt;
        opt.threads = 2;
        auto m = ws::Model::load(dir, opt);
        ASSERT_TRUE(m.isOk()) << m.status().message();
        s_model = std::move(m.value()).release();
    }
    static void TearDownTestSuite() {
        delete s_model;
        s_model = nullptr;
    }
    void SetUp() override { ASSERT_NE(s_model, nullptr); }

    static std::unique_ptr<ws::Session> session(int limit = 0, int prefillChunk = 0) {
        auto s = s_model->newSession({limit, prefillChunk});
        EXPECT_TRUE(s.isOk()) << s.status().message();
        return std::move(s.value());
    }
    static double relDiff(std::span<const float> a, std::span<const float> b) {
        double d = 0, n = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            d += (a[i] - b[i]) * static_cast<double>(a[i] - b[i]);
            n += static_cast<double>(b[i]) * b[i];
        }
        return std::sqrt(d / n);
    }
    static ws::Model* s_model;
};
ws::Model* SessionTest::s_model = nullptr;

TEST_F(SessionTest, PrefillReusesTheCommonPrefixAndMatchesAFreshSession) {
    const std::vector<ws::TokenId> turn1 = {0, 300, 12, 45, 99, 7};
    std::vector<ws::TokenId> turn2 = turn1;
    turn2.insert(turn2.end(), {88, 123, 5});
    auto s = session();
    ASSERT_TRUE(s->prefill(turn1).isOk());
    EXPECT_EQ(s->lastReused(), 0u);
    auto r = s->prefill(turn2);
    ASSERT_TRUE(r.isOk());
    EXPECT_EQ(s->lastReused(), turn1.size()); // only the 3 new tokens were computed
    const std::vector<float> reused(r.value().begin(), r.value().end());

    auto fresh = session();
    auto f = fresh->prefill(turn2);
    ASSERT_TRUE(f.isOk());
    EXPECT_LT(relDiff(reused, f.value()), 1e-5);

    // A diverging request keeps only the shared part.
    std::vector<ws::TokenId> other = {0, 300, 12, 1, 2};
    ASSERT_TRUE(s->prefill(other).isOk());
    EXPECT_EQ(s->lastReused(), 3u);
    EXPECT_EQ(std::vector<ws::TokenId>(s->tokens().begin(), s->tokens().end()), other);
    // The identical request recomputes only its last token.
    ASSERT_TRUE(s->prefill(other).isOk());
    EXPECT_EQ(s->lastReused(), other.size() - 1);
}

TEST_F(SessionTest, ContextLimitIsAClearErrorAndLeavesTheCacheIntact) {
    auto s = session(8);
    const std::vector<ws::TokenId> six = {0, 1, 2, 3, 4, 5};
    ASSERT_TRUE(s->append(six).isOk());
    const std::vector<ws::TokenId> three = {6, 7, 8};
    auto r = s->append(three);
    ASSERT_FALSE(r.isOk());
    EXPECT_EQ(r.status().code(), ws::Code::OutOfRange);
    EXPECT_NE(r.status().message().find("context limit of 8"), std::string::npos) << r.status().message();
    EXPECT_EQ(s->tokens().size(), 6u);
    const std::vector<ws::TokenId> nine(9, 3);
    EXPECT_FALSE(s->prefill(nine).isOk());
    EXPECT_EQ(s->tokens().size(), 6u);
    EXPECT_FALSE(s_model->newSession({s_model->config().max_position_embeddings + 1}).isOk());
}

TEST_F(SessionTest, BadTokenIdsAreRefusedBeforeTheCacheIsTouched) {
    auto s = session();
    const std::vector<ws::TokenId> ok = {0, 5, 6};
    ASSERT_TRUE(s->prefill(ok).isOk());
    const std::vector<ws::TokenId> bad = {0, 5, s_model->config().vocab_size};
    auto r = s->prefill(bad);
    ASSERT_FALSE(r.isOk());
    EXPECT_NE(r.status().message().find(std::to_string(s_model->config().vocab_size)), std::string::npos);
    EXPECT_EQ(s->tokens().size(), 3u);
    const std::vector<ws::TokenId> neg = {-1};
    EXPECT_FALSE(s->append(neg).isOk());
}

TEST_F(SessionTest, GreedyGenerationFollowsTheArgmaxChain) {
    const std::vector<ws::TokenId> prompt = {0, 40, 41, 42};
    ws::SamplingParams p;
    p.temperature = 0.0f;
    ws::Sampler sampler(p);
    ws::GenerateOptions go;
    go.maxTokens = 6;
    go.ignoreEos = true;
    auto s = session();
    auto res = ws::generate(*s, s_model->tokenizer(), prompt, sampler, go);
    ASSERT_TRUE(res.isOk()) << res.status().message();
    EXPECT_EQ(res->finishReason, ws::FinishReason::Length);
    ASSERT_EQ(res->outputIds.size(), 6u);
    // Recompute by hand with a fresh session.
    auto ref = session();
    std::vector<ws::TokenId> seq = prompt;
    for (int i = 0; i < 6; ++i) {
        auto l = ref->prefill(seq);
        ASSERT_TRUE(l.isOk());
        const auto best = static_cast<ws::TokenId>(std::max_element(l.value().begin(), l.value().end()) - l.value().begin());
        EXPECT_EQ(res->outputIds[static_cast<std::size_t>(i)], best) << "step " << i;
        seq.push_back(best);
    }
}

TEST_F(SessionTest, SeedsReproduceAndStopStringsNeverLeak) {
    const std::vector<ws::TokenId> prompt = {0, 70, 71};
    const auto run = [&](std::uint64_t seed, std::vector<std::string> stop) {
        ws::SamplingParams p;
        p.temperature = 1.0f;
        p.seed = seed;
        ws::Sampler sampler(p);
        ws::GenerateOptions go;
        go.maxTokens = 40;
        go.ignoreEos = true;
        go.stop = std::move(stop);
        auto s = session();
        std::string streamed;
        auto r = ws::generate(*s, s_model->tokenizer(), prompt, sampler, go,
                              [&](const ws::TokenEvent& e) { streamed += e.text; });
        EXPECT_TRUE(r.isOk());
        EXPECT_EQ(streamed, r->text);
        return std::move(r).value();
    };
    const auto a = run(42, {}), b = run(42, {}), c = run(43, {});
    EXPECT_EQ(a.outputIds, b.outputIds);
    EXPECT_NE(a.outputIds, c.outputIds);
    // Stop on a piece of ASCII text that the seeded run is known to produce: it must end right before it.
    std::size_t at = std::string::npos;
    for (std::size_t i = a.text.size() / 3; i + 1 < a.text.size() && at == std::string::npos; ++i)
        if (std::isalnum(static_cast<unsigned char>(a.text[i])) && std::isalnum(static_cast<unsigned char>(a.text[i + 1])))
            at = i;
    ASSERT_NE(at, std::string::npos) << "no ASCII pair in: " << a.text;
    const std::string stop = a.text.substr(at, 2);
    const auto d = run(42, {stop});
    EXPECT_EQ(d.finishReason, ws::FinishReason::Stop);
    EXPECT_EQ(d.text, a.text.substr(0, a.text.find(stop)));
}

TEST_F(SessionTest, CancellationAndOptionChecks) {
    const std::vector<ws::TokenId> prompt = {0, 9};
    ws::Sampler sampler(ws::SamplingParams{});
    std::stop_source src;
    ws::GenerateOptions go;
    go.stopToken = src.get_token();
    go.ignoreEos = true;
    auto s = session();
    int seen = 0;
    auto r = ws::generate(*s, s_model->tokenizer(), prompt, sampler, go, [&](const ws::TokenEvent&) {
        if (++seen == 3) src.request_stop();
    });
    ASSERT_TRUE(r.isOk());
    EXPECT_EQ(r->finishReason, ws::FinishReason::Cancelled);
    EXPECT_EQ(r->outputIds.size(), 3u);

    ws::GenerateOptions bad;
    bad.maxTokens = 16385;
    EXPECT_NE(bad.validate().message().find("max_tokens"), std::string::npos);
    bad.maxTokens = 10;
    bad.stop = {"a", "b", "c", "d", "e"};
    EXPECT_NE(bad.validate().message().find("stop"), std::string::npos);
}

TEST_F(SessionTest, StopRequestedBeforeAPromptComputesNothing) {
    // generate() hands the session its stop token: a stop already requested cancels before the first layer.
    std::vector<ws::TokenId> prompt;
    for (int i = 0; i < 500; ++i) prompt.push_back(3 + (i * 37) % 250);
    auto s = session();
    ws::SamplingParams greedy;
    greedy.temperature = 0.0f;
    ws::Sampler sampler(greedy);
    std::stop_source src;
    src.request_stop();
    ws::GenerateOptions go;
    go.maxTokens = 1;
    go.stopToken = src.get_token();
    auto r = ws::generate(*s, s_model->tokenizer(), prompt, sampler, go);
    ASSERT_TRUE(r.isOk()) << r.status().message();
    EXPECT_EQ(r->finishReason, ws::FinishReason::Cancelled);
    EXPECT_TRUE(r->outputIds.empty());
    EXPECT_TRUE(s->tokens().empty());

    // the interrupt was generate()'s only: the session runs the prompt afterwards, whole
    ws::Sampler again(greedy);
    ws::GenerateOptions go2;
    go2.maxTokens = 1;
    go2.ignoreEos = true;
    auto r2 = ws::generate(*s, s_model->tokenizer(), prompt, again, go2);
    ASSERT_TRUE(r2.isOk()) << r2.status().message();
    EXPECT_EQ(r2->finishReason, ws::FinishReason::Length);
    EXPECT_EQ(s->tokens().size(), prompt.size()); // the sampled token is not fed back when it is the last
}

TEST_F(SessionTest, LongPrefillStopsInsideAChunkAndResumesFromTheChunksBefore) {
    // A prompt of one chunk and 100 tokens (chunks of 128 asked for): the interrupt is asked before each chunk and
    // between the layers of each; it answers "stop" at the second layer of the second chunk. Only the backend's
    // between-layer check can stop there (the session's own checks come before chunks only, none after the last).
    const std::size_t chunk = 128;
    ASSERT_EQ(session(0, 128)->prefillChunk(), 128);
    ASSERT_EQ(session(0, 1 << 20)->prefillChunk(), session()->prefillChunk()); // capped at the backend's
    const int layers = s_model->config().num_hidden_layers;
    ASSERT_GE(layers, 2);
    std::vector<ws::TokenId> prompt;
    for (std::size_t i = 0; i < chunk + 100; ++i) prompt.push_back(static_cast<ws::TokenId>(3 + (i * 37) % 250));
    auto s = session(0, 128);
    int asked = 0;
    s->setInterrupt([&] { return ++asked == layers + 4; }); // 1 + layers for chunk 1, then before chunk 2, layer 0, 1
    auto r = s->prefill(prompt);
    ASSERT_FALSE(r.isOk());
    EXPECT_EQ(r.status().code(), ws::Code::Cancelled) << r.status().message();
    EXPECT_NE(r.status().message().find("layer 1"), std::string::npos) << r.status().message();
    EXPECT_EQ(asked, layers + 4);
    EXPECT_EQ(s->tokens().size(), chunk); // the first chunk stays cached

    s->setInterrupt({});
    auto resumed = s->prefill(prompt);
    ASSERT_TRUE(resumed.isOk()) << resumed.status().message();
    EXPECT_EQ(s->lastReused(), chunk);
    const std::vector<float> got(resumed->begin(), resumed->end());
    auto fresh = session();
    auto want = fresh->prefill(prompt);
    ASSERT_TRUE(want.isOk()) << want.status().message();
    ASSERT_EQ(got.size(), want->size());
    double diff = 0, norm = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        diff = std::max(diff, std::fabs(static_cast<double>(got[i]) - (*want)[i]));
        norm = std::max(norm, std::fabs(static_cast<double>((*want)[i])));
    }
    EXPECT_LE(diff, 1e-4 * norm); // the cancelled chunk left no trace in the cache

    // an interrupt between chunks: the first chunk's work is kept, nothing of the second runs
    auto s2 = session(0, 128);
    s2->setInterrupt([&] { return s2->tokens().size() >= chunk; });
    auto r2 = s2->prefill(prompt);
    ASSERT_FALSE(r2.isOk());
    EXPECT_EQ(r2.status().code(), ws::Code::Cancelled);
    EXPECT_EQ(s2->tokens().size(), chunk);
}

TEST(ModelLoad, MissingFolderNamesThePath) {
    auto m = ws::Model::load("/nonexistent/whalesong-model");
    ASSERT_FALSE(m.isOk());
    EXPECT_NE(m.status().message().find("/nonexistent/whalesong-model"), std::string::npos);
}

} // namespace

namespace {

// Continuous batching: one decode step for several sessions (different lengths, different tokens) gives each the
// logits it would get alone, and a refused batch changes no cache.
TEST_F(SessionTest, AppendBatchMatchesEachSessionAlone) {
    std::mt19937 rng(std::random_device{}());
    const auto randomIds = [&](std::size_t n) {
        std::vector<ws::TokenId> ids(n);
        for (auto& id : ids) id = static_cast<ws::TokenId>(rng() % 250 + 2);
        return ids;
    };
    const std::vector<std::vector<ws::TokenId>> prompts = {randomIds(5), randomIds(13), randomIds(1), randomIds(40)};
    std::vector<std::unique_ptr<ws::Session>> batched, alone;
    for (const auto& p : prompts) {
        batched.push_back(session());
        alone.push_back(session());
        ASSERT_TRUE(batched.back()->prefill(p).isOk());
        ASSERT_TRUE(alone.back()->prefill(p).isOk());
    }
    for (int step = 0; step < 4; ++step) {
        const std::vector<ws::TokenId> next = randomIds(batched.size());
        std::vector<ws::Session*> ptrs;
        for (auto& s : batched) ptrs.push_back(s.get());
        ASSERT_TRUE(ws::Session::appendBatch(ptrs, next).isOk());
        for (std::size_t i = 0; i < batched.size(); ++i) {
            auto ref = alone[i]->append(std::span<const ws::TokenId>(&next[i], 1));
            ASSERT_TRUE(ref.isOk());
            const std::span<const float> got = batched[i]->lastLogits();
            ASSERT_EQ(got.size(), ref.value().size());
            const double d = relDiff(got, ref.value());
            EXPECT_LT(d, 1e-5) << "step " << step << " session " << i;
            EXPECT_EQ(batched[i]->tokens().size(), alone[i]->tokens().size());
        }
    }
}

TEST_F(SessionTest, AppendBatchRefusalsChangeNothing) {
    auto a = session(), b = session(), full = session(8);
    ASSERT_TRUE(a->prefill(std::vector<ws::TokenId>{5, 6, 7}).isOk());
    ASSERT_TRUE(b->prefill(std::vector<ws::TokenId>{9}).isOk());
    ASSERT_TRUE(full->prefill(std::vector<ws::TokenId>(8, 3)).isOk());
    const std::vector<float> before(a->lastLogits().begin(), a->lastLogits().end());
    const auto refused = [&](std::vector<ws::Session*> sessions, std::vector<ws::TokenId> ids, const char* what) {
        const ws::Status st = ws::Session::appendBatch(sessions, ids);
        EXPECT_FALSE(st.isOk()) << what;
        EXPECT_NE(st.message().find(what), std::string::npos) << st.message();
        EXPECT_EQ(a->tokens().size(), 3u);
        EXPECT_EQ(b->tokens().size(), 1u);
    };
    refused({a.get(), a.get()}, {1, 2}, "twice");
    refused({a.get(), b.get()}, {1, 1 << 30}, "outside the vocabulary");
    refused({a.get(), full.get()}, {1, 2}, "full");
    refused({a.get()}, {1, 2}, "sessions and");
    // Still in step with a session that never saw the refusals.
    auto fresh = session();
    ASSERT_TRUE(fresh->prefill(std::vector<ws::TokenId>{5, 6, 7}).isOk());
    std::vector<ws::Session*> both{a.get(), b.get()};
    ASSERT_TRUE(ws::Session::appendBatch(both, std::vector<ws::TokenId>{11, 12}).isOk());
    auto ref = fresh->append(std::vector<ws::TokenId>{11});
    ASSERT_TRUE(ref.isOk());
    EXPECT_LT(relDiff(a->lastLogits(), ref.value()), 1e-5);
}

} // namespace

namespace {

// TurnTaker::busy(): whether a caller of lock() would wait — generate() then feeds its prompt in short pieces.
TEST(TurnTaker, BusyWhileHeld) {
    ws::TurnTaker turns;
    EXPECT_FALSE(turns.busy());
    turns.lock();
    EXPECT_TRUE(turns.busy());
    std::atomic<bool> got{false};
    std::thread waiter([&] {
        std::lock_guard turn(turns);
        got = true;
    });
    turns.unlock(); // the waiter (or, if it has not queued yet, nobody) is served next
    waiter.join();
    EXPECT_TRUE(got);
    EXPECT_FALSE(turns.busy());
}

// Generations on four threads sharing a DecodeBatcher (their decode steps run as batches) write what each writes
// alone, and all of them finish.
TEST_F(SessionTest, BatchedGenerationsMatchSolitaryOnes) {
    const ws::Tokenizer& tok = s_model->tokenizer();
    const std::vector<std::vector<ws::TokenId>> prompts = {
        {0, 300, 12}, {0, 45, 99, 7, 8, 9, 10}, {0, 5}, {0, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86}};
    const auto run = [&](std::size_t i, ws::DecodeBatcher* batcher, ws::TurnTaker* turns) {
        auto s = session();
        ws::SamplingParams p;
        p.temperature = i % 2 ? 0.0f : 1.0f;
        p.seed = 40 + i;
        ws::Sampler sampler(p);
        ws::GenerateOptions o;
        o.maxTokens = 12;
        o.batcher = batcher;
        o.turns = turns;
        auto r = ws::generate(*s, tok, prompts[i], sampler, o);
        EXPECT_TRUE(r.isOk());
        return r.isOk() ? r.value().outputIds : std::vector<ws::TokenId>{};
    };
    std::vector<std::vector<ws::TokenId>> alone, together(prompts.size());
    for (std::size_t i = 0; i < prompts.size(); ++i) alone.push_back(run(i, nullptr, nullptr));
    ws::TurnTaker turns;
    ws::DecodeBatcher batcher(&turns);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < prompts.size(); ++i)
        threads.emplace_back([&, i] { together[i] = run(i, &batcher, &turns); });
    for (auto& t : threads) t.join();
    for (std::size_t i = 0; i < prompts.size(); ++i) {
        EXPECT_FALSE(alone[i].empty());
        EXPECT_EQ(together[i], alone[i]) << "generation " << i;
    }
}

} // namespace
