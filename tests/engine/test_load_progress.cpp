// Model::load's LoadOptions::progress (monotonic, ends at 1, cancels cleanly) and LoadOptions::prefault.
#include "tiny_model.h"
#include "whalesong/model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Call {
    double fraction;
    std::string stage;
};

/// Lines of /proc/self/maps that map a file of `dir`: what a load left mapped.
int mappingsOf(const fs::path& dir) {
    std::ifstream maps("/proc/self/maps");
    int n = 0;
    for (std::string line; std::getline(maps, line);)
        if (line.find(dir.string()) != std::string::npos)
            ++n;
    return n;
}

class LoadProgressTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        s_dir = new fs::path(wstest::freshDir("load-progress"));
        const ws::Status st = wstest::writeTinyModel(*s_dir, ws::RandomDtype::BF16, 17);
        ASSERT_TRUE(st.isOk()) << st.message();
    }
    static void TearDownTestSuite() {
        fs::remove_all(*s_dir);
        delete s_dir;
    }

    /// Loads the tiny model recording every progress call; the callback returns false on call number
    /// `cancelAt`.
    static ws::Result<std::unique_ptr<ws::Model>> load(std::vector<Call>& calls, bool prefault,
                                                       int cancelAt = -1) {
        ws::LoadOptions opt;
        opt.threads = 1;
        opt.prefault = prefault;
        opt.progress = [&calls, cancelAt](double f, std::string_view stage) {
            calls.push_back({f, std::string(stage)});
            return static_cast<int>(calls.size()) - 1 != cancelAt;
        };
        return ws::Model::load(*s_dir, opt);
    }

    static void expectMonotonicToOne(const std::vector<Call>& calls) {
        ASSERT_FALSE(calls.empty());
        for (std::size_t i = 0; i < calls.size(); ++i) {
            EXPECT_GE(calls[i].fraction, 0.0) << i;
            EXPECT_LE(calls[i].fraction, 1.0) << i;
            if (i > 0) {
                EXPECT_GE(calls[i].fraction, calls[i - 1].fraction)
                    << "call " << i << " (" << calls[i].stage << ")";
            }
        }
        EXPECT_EQ(calls.back().fraction, 1.0);
    }

    /// The distinct stages in the order they first appeared.
    static std::vector<std::string> stages(const std::vector<Call>& calls) {
        std::vector<std::string> s;
        for (const Call& c : calls)
            if (s.empty() || s.back() != c.stage)
                s.push_back(c.stage);
        return s;
    }

    static fs::path* s_dir;
};
fs::path* LoadProgressTest::s_dir = nullptr;

TEST_F(LoadProgressTest, IsMonotonicEndsAtOneAndNamesTheStagesInOrder) {
    std::vector<Call> calls;
    auto m = load(calls, false);
    ASSERT_TRUE(m.isOk()) << m.status().message();
    expectMonotonicToOne(calls);
    EXPECT_EQ(stages(calls), (std::vector<std::string>{"config", "tokenizer", "weights"}));
    EXPECT_EQ(calls.front().fraction, 0.0);
}

TEST_F(LoadProgressTest, PrefaultReportsByBytesAndGivesTheSameModel) {
    std::vector<Call> calls;
    auto m = load(calls, true);
    ASSERT_TRUE(m.isOk()) << m.status().message();
    expectMonotonicToOne(calls);
    EXPECT_EQ(stages(calls), (std::vector<std::string>{"config", "tokenizer", "weights", "prefault"}));
    int prefaultCalls = 0;
    for (const Call& c : calls)
        prefaultCalls += c.stage == "prefault";
    EXPECT_GE(prefaultCalls, 20) << "about a hundred chunks, whatever the model's size";
    EXPECT_GT(mappingsOf(*s_dir), 0); // the model holds its mapping (what the cancel tests expect to be gone)

    // Same weights read, same logits as a load without prefault.
    std::vector<Call> plainCalls;
    auto plain = load(plainCalls, false);
    ASSERT_TRUE(plain.isOk()) << plain.status().message();
    const std::vector<ws::TokenId> ids = {0, 40, 72, 101, 7};
    auto s1 = m.value()->newSession();
    auto s2 = plain.value()->newSession();
    ASSERT_TRUE(s1.isOk() && s2.isOk());
    auto l1 = s1.value()->append(ids);
    auto l2 = s2.value()->append(ids);
    ASSERT_TRUE(l1.isOk() && l2.isOk());
    const std::vector<float> a(l1.value().begin(), l1.value().end()), b(l2.value().begin(), l2.value().end());
    ASSERT_EQ(a.size(), 300u);
    EXPECT_EQ(a, b);
    double sumSq = 0;
    for (float x : a) {
        ASSERT_TRUE(std::isfinite(x));
        sumSq += static_cast<double>(x) * x;
    }
    EXPECT_GT(sumSq, 1.0); // logits of order one, not zeros
}

TEST_F(LoadProgressTest, CancelAtTheFirstCallFailsWithCancelledAndLeavesNothingMapped) {
    std::vector<Call> calls;
    auto m = load(calls, true, 0);
    ASSERT_FALSE(m.isOk());
    EXPECT_EQ(m.status().code(), ws::Code::Cancelled) << m.status().message();
    EXPECT_NE(m.status().message().find("cancelled"), std::string::npos) << m.status().message();
    EXPECT_EQ(calls.size(), 1u); // no call after the one that cancelled
    EXPECT_EQ(mappingsOf(*s_dir), 0);
}

TEST_F(LoadProgressTest, CancelInTheMiddleOrAtTheEndFailsWithCancelledAndLeavesNothingMapped) {
    std::vector<Call> all;
    ASSERT_TRUE(load(all, true).isOk());
    ASSERT_EQ(mappingsOf(*s_dir), 0); // the model above is gone: its mappings too
    const int n = static_cast<int>(all.size());
    ASSERT_GE(n, 6);
    // The first call of each stage, the middle, and the last call (1.0).
    std::vector<int> points = {n / 2, n - 1};
    for (int i = 1; i < n; ++i)
        if (all[static_cast<std::size_t>(i)].stage != all[static_cast<std::size_t>(i - 1)].stage)
            points.push_back(i);
    for (int at : points) {
        std::vector<Call> calls;
        auto m = load(calls, true, at);
        ASSERT_FALSE(m.isOk()) << "cancel at call " << at;
        EXPECT_EQ(m.status().code(), ws::Code::Cancelled) << m.status().message();
        EXPECT_EQ(static_cast<int>(calls.size()), at + 1) << "cancel at call " << at;
        EXPECT_EQ(mappingsOf(*s_dir), 0)
            << "cancel at call " << at << " (" << all[static_cast<std::size_t>(at)].stage << ")";
    }
}

TEST_F(LoadProgressTest, AFailingLoadStillReportsMonotonicallyAndReturnsItsError) {
    const fs::path d = wstest::freshDir("load-progress-broken");
    ASSERT_TRUE(wstest::writeTinyModel(d).isOk());
    fs::resize_file(d / "model.safetensors", fs::file_size(d / "model.safetensors") / 2);
    std::vector<Call> calls;
    ws::LoadOptions opt;
    opt.prefault = true;
    opt.progress = [&calls](double f, std::string_view stage) {
        calls.push_back({f, std::string(stage)});
        return true;
    };
    auto m = ws::Model::load(d, opt);
    ASSERT_FALSE(m.isOk());
    EXPECT_EQ(m.status().code(), ws::Code::FormatError) << m.status().message();
    EXPECT_NE(m.status().message().find("model.safetensors"), std::string::npos) << m.status().message();
    for (std::size_t i = 1; i < calls.size(); ++i)
        EXPECT_GE(calls[i].fraction, calls[i - 1].fraction);
    EXPECT_LT(calls.back().fraction, 1.0); // never reports done when it is not
    fs::remove_all(d);
}

} // namespace

namespace {

// A GGUF file (the app tests' tiny Q2_K fixture, written by llama.cpp's gguf-py): the same stages, monotonic to 1,
// prefaulted, and a cancel at any call leaves the file unmapped.
TEST(LoadProgressGguf, ReportsEveryStageAndCancelsCleanly) {
    const fs::path file = fs::path(WS_SOURCE_DIR) / "tests" / "app" / "fixtures" / "tiny-q2_k.gguf";
    ASSERT_TRUE(fs::exists(file)) << file;
    const auto load = [&](std::vector<Call>& calls, int cancelAt) {
        ws::LoadOptions opt;
        opt.threads = 1;
        opt.prefault = true;
        opt.progress = [&calls, cancelAt](double f, std::string_view stage) {
            calls.push_back({f, std::string(stage)});
            return static_cast<int>(calls.size()) - 1 != cancelAt;
        };
        return ws::Model::load(file, opt);
    };
    std::vector<Call> all;
    {
        auto m = load(all, -1);
        ASSERT_TRUE(m.isOk()) << m.status().message();
        EXPECT_EQ(m.value()->info().fileType, "Q2_K");
    }
    ASSERT_GE(all.size(), 4u);
    for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GE(all[i].fraction, all[i - 1].fraction) << i;
    EXPECT_EQ(all.back().fraction, 1.0);
    std::vector<std::string> stages;
    for (const Call& c : all)
        if (stages.empty() || stages.back() != c.stage) stages.push_back(c.stage);
    EXPECT_EQ(stages, (std::vector<std::string>{"config", "tokenizer", "weights", "prefault"}));
    for (int at : {0, 1, 2, static_cast<int>(all.size()) - 1}) {
        std::vector<Call> calls;
        auto m = load(calls, at);
        ASSERT_FALSE(m.isOk()) << at;
        EXPECT_EQ(m.status().code(), ws::Code::Cancelled) << m.status().message();
        EXPECT_EQ(mappingsOf(file.parent_path() / "tiny-q2_k.gguf"), 0) << "cancel at call " << at;
    }
}

} // namespace
