// Tests of the sampler: parameter validation, penalties, greedy / top-k / top-p / min-p / temperature
// distributions, seed determinism, masking, and the stop-string matcher.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "whalesong/sampler.h"

namespace ws {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Draws `n` tokens from one sampler, each from a fresh copy of `logits`; returns per-token counts.
std::vector<int> drawCounts(const SamplingParams& params, const std::vector<float>& logits, int n) {
    Sampler sampler(params);
    std::vector<int> counts(logits.size(), 0);
    for (int i = 0; i < n; ++i) {
        std::vector<float> copy = logits;
        const TokenId id = sampler.sample(copy);
        EXPECT_GE(id, 0);
        EXPECT_LT(static_cast<std::size_t>(id), logits.size());
        if (id >= 0 && static_cast<std::size_t>(id) < logits.size()) ++counts[static_cast<std::size_t>(id)];
    }
    return counts;
}

// Pearson chi-square of `counts` against `probs` (which need not be normalised). Categories of zero
// probability must have zero counts (checked here).
double chiSquare(const std::vector<int>& counts, std::vector<double> probs, int* dof) {
    const double sum = std::accumulate(probs.begin(), probs.end(), 0.0);
    for (double& p : probs) p /= sum;
    const double n = std::accumulate(counts.begin(), counts.end(), 0.0);
    double chi2 = 0.0;
    int cats = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        if (probs[i] == 0.0) {
            EXPECT_EQ(counts[i], 0) << "token " << i << " has probability 0 but was drawn";
            continue;
        }
        const double e = n * probs[i];
        chi2 += (counts[i] - e) * (counts[i] - e) / e;
        ++cats;
    }
    *dof = cats - 1;
    return chi2;
}

// Generous bound (about 6 sigma): the draws are seeded, so this is deterministic, yet any wrong
// distribution over 20,000 draws lands far above it.
double chiBound(int dof) { return dof + 6.0 * std::sqrt(2.0 * dof) + 6.0; }

void expectMatches(const std::vector<int>& counts, const std::vector<double>& probs, const char* what) {
    int dof = 0;
    const double chi2 = chiSquare(counts, probs, &dof);
    EXPECT_LT(chi2, chiBound(dof)) << what << ": chi2 " << chi2 << " with " << dof << " degrees of freedom";
}

std::vector<double> softmax(const std::vector<float>& logits, double temperature) {
    double m = -std::numeric_limits<double>::infinity();
    for (float l : logits) m = std::max(m, l / temperature);
    std::vector<double> p;
    for (float l : logits) p.push_back(std::exp(l / temperature - m));
    const double s = std::accumulate(p.begin(), p.end(), 0.0);
    for (double& x : p) x /= s;
    return p;
}

std::vector<float> randomLogits(std::mt19937& rng, std::size_t n, float scale = 3.0f) {
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

std::uint32_t testSeed(const char* name, std::uint32_t seed) {
    std::printf("[ seed     ] %s: %u\n", name, seed);
    return seed;
}

// ---- validate() ----

TEST(SamplingParams, DefaultsAndBoundariesPass) {
    EXPECT_TRUE(SamplingParams{}.validate().isOk());
    SamplingParams p;
    p.temperature = 0.0f;
    p.top_p = 1.0f;
    p.top_k = 0;
    p.min_p = 0.0f;
    p.presence_penalty = -2.0f;
    p.frequency_penalty = 2.0f;
    p.repetition_penalty = 2.0f;
    EXPECT_TRUE(p.validate().isOk()) << p.validate().message();
    p.temperature = 2.0f;
    p.top_p = 1e-6f;
    p.top_k = 129280;
    p.min_p = 0.999f;
    p.presence_penalty = 2.0f;
    p.frequency_penalty = -2.0f;
    p.repetition_penalty = 1e-3f;
    EXPECT_TRUE(p.validate().isOk()) << p.validate().message();
}

TEST(SamplingParams, MessageNamesFieldAndValue) {
    SamplingParams p;
    p.temperature = 3.0f;
    const Status s = p.validate();
    ASSERT_FALSE(s.isOk());
    EXPECT_EQ(s.code(), Code::InvalidArgument);
    EXPECT_EQ(s.message(), "temperature must be in [0, 2], got 3");
}

TEST(SamplingParams, EachFieldOutOfRangeFails) {
    struct Case {
        const char* field;
        void (*set)(SamplingParams&, float);
        std::vector<float> bad;
    };
    const std::vector<Case> cases = {
        {"temperature", [](SamplingParams& p, float v) { p.temperature = v; }, {-0.1f, 2.01f, kNaN, kInf}},
        {"top_p", [](SamplingParams& p, float v) { p.top_p = v; }, {0.0f, -0.5f, 1.01f, kNaN}},
        {"min_p", [](SamplingParams& p, float v) { p.min_p = v; }, {-0.01f, 1.0f, 1.5f, kNaN}},
        {"presence_penalty", [](SamplingParams& p, float v) { p.presence_penalty = v; },
         {-2.5f, 2.01f, kNaN, -kInf}},
        {"frequency_penalty", [](SamplingParams& p, float v) { p.frequency_penalty = v; },
         {-2.01f, 3.0f, kNaN}},
        {"repetition_penalty", [](SamplingParams& p, float v) { p.repetition_penalty = v; },
         {0.0f, -1.0f, 2.5f, kNaN}},
    };
    for (const auto& c : cases) {
        for (float v : c.bad) {
            SamplingParams p;
            c.set(p, v);
            const Status s = p.validate();
            ASSERT_FALSE(s.isOk()) << c.field << " = " << v << " accepted";
            EXPECT_EQ(s.code(), Code::InvalidArgument);
            EXPECT_EQ(s.message().rfind(std::string(c.field) + " must be", 0), 0u) << s.message();
            EXPECT_NE(s.message().find("got "), std::string::npos) << s.message();
            if (std::isnan(v)) {
                EXPECT_NE(s.message().find("nan"), std::string::npos) << s.message();
            }
        }
    }
    SamplingParams p;
    p.top_k = -1;
    const Status s = p.validate();
    ASSERT_FALSE(s.isOk());
    EXPECT_EQ(s.message(), "top_k must be >= 0, got -1");
}

// ---- greedy ----

TEST(Sampler, GreedyIsArgmaxLowestIdOnTies) {
    SamplingParams p;
    p.temperature = 0.0f;
    Sampler s(p);
    std::vector<float> a = {0.1f, 2.0f, -1.0f, 1.9f};
    EXPECT_EQ(s.sample(a), 1);
    std::vector<float> b = {0.5f, 3.0f, 1.0f, 3.0f, 3.0f};
    EXPECT_EQ(s.sample(b), 1);
    std::vector<float> c = {7.0f, 7.0f};
    EXPECT_EQ(s.sample(c), 0);
    std::vector<float> d = {kNaN, -5.0f, kNaN, -4.0f};
    EXPECT_EQ(s.sample(d), 3);
}

TEST(Sampler, GreedyIgnoresSeed) {
    std::mt19937 rng(testSeed("GreedyIgnoresSeed", 7));
    for (int round = 0; round < 50; ++round) {
        const std::vector<float> logits = randomLogits(rng, 300);
        const auto argmax = std::max_element(logits.begin(), logits.end()) - logits.begin();
        for (std::uint64_t seed : {0ull, 1ull, 12345ull, ~0ull}) {
            SamplingParams p;
            p.temperature = 0.0f;
            p.top_k = 3;
            p.top_p = 0.1f;
            p.seed = seed;
            Sampler s(p);
            std::vector<float> copy = logits;
            EXPECT_EQ(s.sample(copy), argmax);
        }
    }
}

// ---- top_k ----

TEST(Sampler, TopK1IsArgmax) {
    std::mt19937 rng(testSeed("TopK1IsArgmax", 11));
    SamplingParams p;
    p.temperature = 1.0f;
    p.top_k = 1;
    p.seed = 5;
    Sampler s(p);
    for (int i = 0; i < 500; ++i) {
        std::vector<float> logits = randomLogits(rng, 200, 0.5f); // flat: plain sampling would stray
        const auto argmax = std::max_element(logits.begin(), logits.end()) - logits.begin();
        EXPECT_EQ(s.sample(logits), argmax);
    }
}

TEST(Sampler, TopKNeverLeavesTheKLargest) {
    std::mt19937 rng(testSeed("TopKNeverLeavesTheKLargest", 13));
    const std::vector<float> logits = randomLogits(rng, 1000, 0.3f);
    std::vector<std::size_t> order(logits.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return logits[a] > logits[b]; });
    SamplingParams p;
    p.temperature = 1.5f;
    p.top_k = 5;
    p.seed = 99;
    const std::vector<int> counts = drawCounts(p, logits, 20000);
    std::vector<double> expected(logits.size(), 0.0);
    for (int i = 0; i < 5; ++i) expected[order[i]] = std::exp(logits[order[i]] / 1.5);
    expectMatches(counts, expected, "top_k=5");
    for (int i = 0; i < 5; ++i) EXPECT_GT(counts[order[i]], 0);
}

TEST(Sampler, TopKTiesKeepLowestIds) {
    SamplingParams p;
    p.top_k = 3;
    p.seed = 3;
    const std::vector<float> logits(10, 0.0f);
    const std::vector<int> counts = drawCounts(p, logits, 3000);
    for (std::size_t i = 0; i < counts.size(); ++i) {
        if (i < 3) {
            EXPECT_GT(counts[i], 800) << i;
        } else {
            EXPECT_EQ(counts[i], 0) << i;
        }
    }
}

// ---- top_p / min_p ----

// Seven tokens with known probabilities, listed in a scrambled id order.
struct Known {
    std::vector<double> probs = {0.03, 0.25, 0.1, 0.4, 0.02, 0.15, 0.05};
    std::vector<float> logits() const {
        std::vector<float> l;
        for (double p : probs) l.push_back(static_cast<float>(std::log(p)));
        return l;
    }
    // Keeps the tokens whose probability is in `keep`.
    std::vector<double> only(std::set<double> keep) const {
        std::vector<double> r;
        for (double p : probs) r.push_back(keep.count(p) ? p : 0.0);
        return r;
    }
};

TEST(Sampler, TopPDrawsFromNucleus) {
    const Known k;
    SamplingParams p;
    p.seed = 2024;
    p.top_p = 0.75f; // 0.4 + 0.25 = 0.65 < 0.75 <= 0.8: the nucleus is {0.4, 0.25, 0.15}
    expectMatches(drawCounts(p, k.logits(), 20000), k.only({0.4, 0.25, 0.15}), "top_p=0.75");
    p.top_p = 0.5f;
    expectMatches(drawCounts(p, k.logits(), 20000), k.only({0.4, 0.25}), "top_p=0.5");
    p.top_p = 0.3f;
    expectMatches(drawCounts(p, k.logits(), 2000), k.only({0.4}), "top_p=0.3");
    p.top_p = 1.0f;
    expectMatches(drawCounts(p, k.logits(), 20000), k.probs, "top_p=1");
    p.top_p = 0.97f; // 0.95 < 0.97 <= 0.98
    expectMatches(drawCounts(p, k.logits(), 20000), k.only({0.4, 0.25, 0.15, 0.1, 0.05, 0.03}), "top_p=0.97");
}

TEST(Sampler, TopPAfterTopK) {
    const Known k;
    SamplingParams p;
    p.seed = 77;
    p.top_k = 3;    // {0.4, 0.25, 0.15}, renormalised by 0.8: {0.5, 0.3125, 0.1875}
    p.top_p = 0.7f; // 0.5 + 0.3125 = 0.8125 >= 0.7: {0.4, 0.25}
    expectMatches(drawCounts(p, k.logits(), 20000), k.only({0.4, 0.25}), "top_k=3 top_p=0.7");
}

TEST(Sampler, MinPDropsUnlikelyTokens) {
    const Known k;
    SamplingParams p;
    p.seed = 31337;
    p.min_p = 0.3f; // keep p >= 0.12
    expectMatches(drawCounts(p, k.logits(), 20000), k.only({0.4, 0.25, 0.15}), "min_p=0.3");
    p.min_p = 0.2f; // keep p >= 0.08
    expectMatches(drawCounts(p, k.logits(), 20000), k.only({0.4, 0.25, 0.15, 0.1}), "min_p=0.2");
    p.min_p = 0.2f;
    p.top_p = 0.5f; // intersection: {0.4, 0.25}
    expectMatches(drawCounts(p, k.logits(), 20000), k.only({0.4, 0.25}), "min_p=0.2 top_p=0.5");
    p.min_p = 0.7f;
    p.top_p = 0.9f; // min_p is the tighter one: {0.4}
    expectMatches(drawCounts(p, k.logits(), 2000), k.only({0.4}), "min_p=0.7 top_p=0.9");
}

TEST(Sampler, TopPTiesKeepLowestIds) {
    SamplingParams p;
    p.top_p = 0.5f;
    p.seed = 8;
    const std::vector<float> logits(1000, 1.0f);
    const std::vector<int> counts = drawCounts(p, logits, 5000);
    for (std::size_t i = 500; i < counts.size(); ++i) ASSERT_EQ(counts[i], 0) << i;
    EXPECT_GT(std::count_if(counts.begin(), counts.begin() + 500, [](int c) { return c > 0; }), 450);
}

// Reference nucleus (by full sort in double) on a vocabulary of DeepSeek-V3's size.
std::vector<bool> referenceNucleus(const std::vector<float>& logits, double temperature, double topP) {
    const std::vector<double> probs = softmax(logits, temperature);
    std::vector<std::size_t> order(logits.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return probs[a] > probs[b] || (probs[a] == probs[b] && a < b);
    });
    std::vector<bool> in(logits.size(), false);
    double cum = 0.0;
    for (std::size_t i : order) {
        in[i] = true;
        cum += probs[i];
        if (cum >= topP) break;
    }
    return in;
}

TEST(Sampler, TopPOnFullVocabulary) {
    std::mt19937 rng(testSeed("TopPOnFullVocabulary", 4242));
    constexpr std::size_t kVocab = 129280;
    struct Case {
        std::vector<float> logits;
        float temperature;
        float topP;
    };
    std::vector<Case> cases;
    cases.push_back({randomLogits(rng, kVocab, 4.0f), 1.0f, 0.9f}); // peaked: a small nucleus
    cases.push_back({randomLogits(rng, kVocab, 0.5f), 0.7f, 0.6f}); // flat: a large nucleus
    // One dominant token and a long tail holding ~40% of the mass, each tail token tiny (below 1e-4 of
    // the top one), so the nucleus needs the lowest thresholds.
    std::vector<float> tail(kVocab);
    for (std::size_t i = 0; i < kVocab; ++i) tail[i] = -13.0f - 1e-5f * static_cast<float>(i % 1000);
    tail[77777] = 0.0f;
    cases.push_back({tail, 1.0f, 0.8f});
    for (std::size_t c = 0; c < cases.size(); ++c) {
        const auto& cs = cases[c];
        const std::vector<bool> in = referenceNucleus(cs.logits, cs.temperature, cs.topP);
        const auto size = std::count(in.begin(), in.end(), true);
        SamplingParams p;
        p.temperature = cs.temperature;
        p.top_p = cs.topP;
        p.seed = 1000 + c;
        Sampler s(p);
        std::set<TokenId> seen;
        for (int i = 0; i < 80; ++i) {
            std::vector<float> copy = cs.logits;
            const TokenId id = s.sample(copy);
            ASSERT_TRUE(in[static_cast<std::size_t>(id)]) << "case " << c << ": token " << id
                                                           << " outside the nucleus of " << size;
            seen.insert(id);
        }
        if (size > 1) {
            EXPECT_GT(seen.size(), 1u) << "case " << c;
        }
    }
}

// ---- temperature ----

TEST(Sampler, TemperatureScalesTheDistribution) {
    const std::vector<float> logits = {1.0f, 0.5f, 0.0f, -0.5f, 2.0f, -1.0f};
    for (double t : {0.5, 1.0, 1.5}) {
        SamplingParams p;
        p.temperature = static_cast<float>(t);
        p.seed = 17;
        const std::vector<int> counts = drawCounts(p, logits, 20000);
        const std::string what = "T=" + std::to_string(t);
        expectMatches(counts, softmax(logits, t), what.c_str());
        // The check has power: the T=1 distribution does not fit the T=0.5 / 1.5 draws.
        if (t != 1.0) {
            int dof = 0;
            EXPECT_GT(chiSquare(counts, softmax(logits, 1.0), &dof), 10 * chiBound(dof)) << what;
        }
    }
}

// ---- penalties ----

TEST(Sampler, PresenceAndFrequencyPenaltiesFollowTheFormula) {
    std::mt19937 rng(testSeed("PresenceAndFrequencyPenalties", 21));
    const std::vector<float> orig = randomLogits(rng, 50);
    SamplingParams p;
    p.temperature = 0.0f;
    p.presence_penalty = 0.5f;
    p.frequency_penalty = 0.25f;
    Sampler s(p);
    s.setPrompt(std::vector<TokenId>{10, 11, 12}); // the prompt does not count for these penalties
    const std::vector<TokenId> generated = {3, 3, 5, 3, 40};
    for (TokenId id : generated) s.accept(id);
    std::vector<float> logits = orig;
    (void)s.sample(logits);
    for (std::size_t i = 0; i < orig.size(); ++i) {
        const auto count = static_cast<float>(std::count(generated.begin(), generated.end(), i));
        const float expected = orig[i] - (count * 0.25f + (count > 0 ? 0.5f : 0.0f));
        EXPECT_FLOAT_EQ(logits[i], expected) << "token " << i;
    }
    EXPECT_FLOAT_EQ(logits[3], orig[3] - 1.25f);
    EXPECT_FLOAT_EQ(logits[5], orig[5] - 0.75f);
    EXPECT_EQ(logits[10], orig[10]);
}

TEST(Sampler, NegativePenaltiesRaiseLogits) {
    SamplingParams p;
    p.temperature = 0.0f;
    p.presence_penalty = -1.0f;
    p.frequency_penalty = -0.5f;
    Sampler s(p);
    s.accept(2);
    s.accept(2);
    std::vector<float> logits = {1.0f, 0.5f, -0.5f};
    EXPECT_EQ(s.sample(logits), 2); // -0.5 + 1 + 2 * 0.5 = 1.5
    EXPECT_FLOAT_EQ(logits[2], 1.5f);
}

TEST(Sampler, PenaltyChangesGreedyChoice) {
    SamplingParams p;
    p.temperature = 0.0f;
    p.presence_penalty = 0.5f;
    Sampler s(p);
    std::vector<float> a = {1.0f, 0.9f};
    EXPECT_EQ(s.sample(a), 0);
    s.accept(0);
    std::vector<float> b = {1.0f, 0.9f};
    EXPECT_EQ(s.sample(b), 1);
}

TEST(Sampler, RepetitionPenaltyDividesPositiveMultipliesNegative) {
    SamplingParams p;
    p.temperature = 0.0f;
    p.repetition_penalty = 1.5f;
    Sampler s(p);
    s.setPrompt(std::vector<TokenId>{1, 2, 2, 6, 1000}); // repeats count once; out-of-range ids ignored
    s.accept(4);
    s.accept(4);
    s.accept(1); // in prompt and output: still penalised once
    std::vector<float> logits = {5.0f, 2.0f, -1.0f, 0.7f, 3.0f, -2.0f, 0.0f};
    EXPECT_EQ(s.sample(logits), 0);
    EXPECT_FLOAT_EQ(logits[0], 5.0f);
    EXPECT_FLOAT_EQ(logits[1], 2.0f / 1.5f);
    EXPECT_FLOAT_EQ(logits[2], -1.5f);
    EXPECT_FLOAT_EQ(logits[3], 0.7f);
    EXPECT_FLOAT_EQ(logits[4], 2.0f);
    EXPECT_FLOAT_EQ(logits[5], -2.0f);
    EXPECT_FLOAT_EQ(logits[6], 0.0f);

    // Below 1 it rewards repeats: 1.0 / 0.5 = 2 overtakes 1.5.
    p.repetition_penalty = 0.5f;
    Sampler r(p);
    r.setPrompt(std::vector<TokenId>{0});
    std::vector<float> l2 = {1.0f, 1.5f};
    EXPECT_EQ(r.sample(l2), 0);
    EXPECT_FLOAT_EQ(l2[0], 2.0f);
}

TEST(Sampler, RepetitionPenaltyComesBeforePresencePenalty) {
    SamplingParams p;
    p.temperature = 0.0f;
    p.repetition_penalty = 2.0f;
    p.presence_penalty = 1.0f;
    Sampler s(p);
    s.accept(0);
    std::vector<float> logits = {2.0f, -3.0f};
    (void)s.sample(logits);
    EXPECT_FLOAT_EQ(logits[0], 0.0f); // 2 / 2 - 1; the other order would give 0.5
}

// ---- determinism ----

std::vector<TokenId> generate(std::uint64_t seed, std::uint32_t logitSeed) {
    std::mt19937 rng(logitSeed);
    SamplingParams p;
    p.temperature = 0.9f;
    p.top_p = 0.95f;
    p.top_k = 64;
    p.min_p = 0.01f;
    p.presence_penalty = 0.3f;
    p.frequency_penalty = 0.2f;
    p.repetition_penalty = 1.1f;
    p.seed = seed;
    Sampler s(p);
    s.setPrompt(std::vector<TokenId>{1, 2, 3});
    std::vector<TokenId> out;
    for (int i = 0; i < 200; ++i) {
        std::vector<float> logits = randomLogits(rng, 2000, 1.0f);
        const TokenId id = s.sample(logits);
        s.accept(id);
        out.push_back(id);
    }
    return out;
}

TEST(Sampler, SameSeedSameTokens) {
    const std::uint32_t logitSeed = testSeed("SameSeedSameTokens", 555);
    const auto a = generate(42, logitSeed);
    const auto b = generate(42, logitSeed);
    EXPECT_EQ(a, b);
    const auto c = generate(43, logitSeed);
    EXPECT_NE(a, c);
    EXPECT_GT(std::set<TokenId>(a.begin(), a.end()).size(), 50u);
}

TEST(Sampler, DrawIsPinnedAcrossStandardLibraries) {
    // mt19937_64 is fully specified by the standard and the draw uses only its raw output, so this
    // sequence must be the same with libstdc++, libc++ and MSVC.
    SamplingParams p;
    p.seed = 20240101;
    Sampler s(p);
    std::vector<TokenId> got;
    for (int i = 0; i < 16; ++i) {
        std::vector<float> logits(8, 0.0f); // uniform over 8: token = floor(8 * u)
        got.push_back(s.sample(logits));
    }
    std::mt19937_64 ref(20240101);
    std::vector<TokenId> want;
    for (int i = 0; i < 16; ++i) want.push_back(static_cast<TokenId>((ref() >> 11) * 8 >> 53));
    EXPECT_EQ(got, want);
}

// ---- masking ----

TEST(Sampler, MaskedTokensAreNeverChosen) {
    std::mt19937 rng(testSeed("MaskedTokensAreNeverChosen", 99));
    std::vector<float> logits = randomLogits(rng, 100, 1.0f);
    for (std::size_t i = 0; i < logits.size(); i += 2) logits[i] = -kInf;
    logits[1] = kNaN;
    logits[0] = -kInf;
    for (float t : {0.0f, 0.3f, 2.0f}) {
        for (float topP : {1.0f, 0.5f}) {
            SamplingParams p;
            p.temperature = t;
            p.top_p = topP;
            p.top_k = t > 1.0f ? 90 : 0; // more than the unmasked tokens
            p.seed = 4;
            const std::vector<int> counts = drawCounts(p, logits, 3000);
            for (std::size_t i = 0; i < logits.size(); i += 2) ASSERT_EQ(counts[i], 0) << i;
            ASSERT_EQ(counts[1], 0);
        }
    }
}

TEST(Sampler, AllMaskedFallsBackToLowestId) {
    SamplingParams p;
    p.seed = 1;
    Sampler s(p);
    std::vector<float> allInf(10, -kInf);
    EXPECT_EQ(s.sample(allInf), 0);
    std::vector<float> mixed = {kNaN, kNaN, -kInf, -kInf};
    EXPECT_EQ(s.sample(mixed), 2);
    std::vector<float> allNaN(4, kNaN);
    EXPECT_EQ(s.sample(allNaN), 0);
}

TEST(Sampler, PositiveInfinityWins) {
    SamplingParams p;
    p.seed = 6;
    std::vector<float> logits = {1.0f, kInf, 30.0f, kInf, -kInf};
    const std::vector<int> counts = drawCounts(p, logits, 2000);
    EXPECT_EQ(counts[0] + counts[2] + counts[4], 0);
    EXPECT_GT(counts[1], 800);
    EXPECT_GT(counts[3], 800);
}

TEST(Sampler, TinyTemperatureIsNearlyGreedyWithoutOverflow) {
    SamplingParams p;
    p.temperature = 1e-30f;
    p.seed = 2;
    const std::vector<int> counts = drawCounts(p, {1e30f, 3e30f, -1e30f, 2.9e30f}, 500);
    EXPECT_EQ(counts[1], 500);
}

// ---- StopMatcher ----

struct Fed {
    std::string emitted;
    bool stopped = false;
};

Fed feed(StopMatcher& m, const std::vector<std::string>& deltas) {
    Fed f;
    for (const auto& d : deltas) {
        EXPECT_FALSE(f.stopped) << "push after stop";
        const auto step = m.push(d);
        f.emitted += step.safe;
        f.stopped = step.stopped;
    }
    if (!f.stopped) f.emitted += m.flush();
    return f;
}

TEST(StopMatcher, StopInOneDelta) {
    StopMatcher m({"###"});
    const auto step = m.push("abc###def");
    EXPECT_TRUE(step.stopped);
    EXPECT_EQ(step.safe, "abc");
}

TEST(StopMatcher, StopSpanningDeltas) {
    StopMatcher m({"lo World"});
    auto s1 = m.push("Hel");
    EXPECT_EQ(s1.safe, "He"); // "l" may start "lo World"
    EXPECT_FALSE(s1.stopped);
    auto s2 = m.push("lo W");
    EXPECT_EQ(s2.safe, "l"); // "lo W" held
    EXPECT_FALSE(s2.stopped);
    auto s3 = m.push("orld!");
    EXPECT_TRUE(s3.stopped);
    EXPECT_EQ(s3.safe, "");
}

TEST(StopMatcher, PrefixHeldThenReleased) {
    StopMatcher m({"STOP"});
    auto s1 = m.push("abST");
    EXPECT_EQ(s1.safe, "ab");
    auto s2 = m.push("O");
    EXPECT_EQ(s2.safe, "");
    auto s3 = m.push("PS"); // "STOPS" contains STOP
    EXPECT_TRUE(s3.stopped);
    EXPECT_EQ(s3.safe, "");

    StopMatcher n({"STOP"});
    EXPECT_EQ(n.push("abSTO").safe, "ab");
    auto d = n.push("X and S");
    EXPECT_FALSE(d.stopped);
    EXPECT_EQ(d.safe, "STOX and "); // diverged; the new "S" is held
    EXPECT_EQ(n.flush(), "S");
    EXPECT_EQ(n.flush(), "");
}

TEST(StopMatcher, OnlyLongestStopPrefixSuffixIsHeld) {
    StopMatcher m({"aab"});
    EXPECT_EQ(m.push("xaaa").safe, "xa"); // "aa" is the longest suffix that starts "aab"
    auto s = m.push("b");
    EXPECT_TRUE(s.stopped);
    EXPECT_EQ(s.safe, "");
    StopMatcher n({"aab"});
    EXPECT_EQ(n.push("xaaa").safe, "xa");
    EXPECT_EQ(n.push("a").safe, "a");
    EXPECT_EQ(n.flush(), "aa");
}

TEST(StopMatcher, EarliestStopWins) {
    using Stops = std::vector<std::string>;
    for (const auto& stops : {Stops{"world", "lo"}, Stops{"lo", "world"}}) {
        StopMatcher m(stops);
        auto s = m.push("hello world");
        EXPECT_TRUE(s.stopped);
        EXPECT_EQ(s.safe, "hel");
    }
    // A short stop completing inside a longer stop's held prefix ends generation at once.
    StopMatcher m({"abcd", "bc"});
    EXPECT_EQ(m.push("xab").safe, "x");
    auto s = m.push("c");
    EXPECT_TRUE(s.stopped);
    EXPECT_EQ(s.safe, "a");
    // Across the held boundary: "</s" held, then the earlier of two stops completes.
    StopMatcher n({"</s>", "s>x"});
    EXPECT_EQ(n.push("hi </s").safe, "hi ");
    auto t = n.push(">x");
    EXPECT_TRUE(t.stopped);
    EXPECT_EQ(t.safe, "");
}

TEST(StopMatcher, StopAtTheVeryStart) {
    StopMatcher m({"<|end|>"});
    auto s = m.push("<|end|>rest");
    EXPECT_TRUE(s.stopped);
    EXPECT_EQ(s.safe, "");
    StopMatcher n({"<|end|>"});
    EXPECT_EQ(n.push("<|").safe, "");
    auto t = n.push("end|>");
    EXPECT_TRUE(t.stopped);
    EXPECT_EQ(t.safe, "");
    auto after = n.push("more");
    EXPECT_TRUE(after.stopped);
    EXPECT_EQ(after.safe, "");
}

TEST(StopMatcher, FlushReleasesHeldText) {
    StopMatcher m({"END", "</done>"});
    EXPECT_EQ(m.push("the EN").safe, "the ");
    EXPECT_EQ(m.flush(), "EN");
    StopMatcher n({"END"});
    EXPECT_EQ(feed(n, {"a", "E", "N", "d"}).emitted, "aENd");
}

TEST(StopMatcher, EmptyStopsIgnored) {
    StopMatcher m({"", ""});
    auto s = m.push("abc");
    EXPECT_FALSE(s.stopped);
    EXPECT_EQ(s.safe, "abc");
    StopMatcher n({});
    EXPECT_EQ(n.push("x").safe, "x");
    StopMatcher o({"", "c"});
    auto t = o.push("abcd");
    EXPECT_TRUE(t.stopped);
    EXPECT_EQ(t.safe, "ab");
}

TEST(StopMatcher, ChineseStopString) {
    StopMatcher m({"。结束"});
    auto s1 = m.push("你好。");
    EXPECT_EQ(s1.safe, "你好");
    auto s2 = m.push("结");
    EXPECT_EQ(s2.safe, "");
    auto s3 = m.push("果");
    EXPECT_EQ(s3.safe, "。结果");
    auto s4 = m.push("。结束了");
    EXPECT_TRUE(s4.stopped);
    EXPECT_EQ(s4.safe, "");
}

bool isValidUtf8(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t j = 1; j < n; ++j)
            if ((static_cast<unsigned char>(s[i + j]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

TEST(StopMatcher, NeverSplitsUtf8Characters) {
    const std::string text = "数据 é 😀 中文。结果。结束之后";
    StopMatcher m({"。结束", "x"});
    std::string emitted;
    bool stopped = false;
    for (char c : text) { // one byte at a time
        const auto step = m.push(std::string(1, c));
        EXPECT_TRUE(isValidUtf8(step.safe)) << "split character in emitted text";
        emitted += step.safe;
        if (step.stopped) {
            stopped = true;
            break;
        }
    }
    EXPECT_TRUE(stopped);
    EXPECT_EQ(emitted, "数据 é 😀 中文。结果");

    StopMatcher n({"zz"});
    const std::string ni = "你";
    EXPECT_EQ(n.push(ni.substr(0, 2)).safe, "");
    EXPECT_EQ(n.push(ni.substr(2) + "a").safe, "你a");
}

// Reference: the longest suffix of `text` that is a proper prefix of a stop.
std::size_t heldLength(const std::string& text, const std::vector<std::string>& stops) {
    for (std::size_t len = text.size(); len > 0; --len)
        for (const auto& s : stops)
            if (s.size() > len && s.compare(0, len, text, text.size() - len, len) == 0) return len;
    return 0;
}

TEST(StopMatcher, RandomisedAgainstReference) {
    std::mt19937 rng(testSeed("StopMatcher.RandomisedAgainstReference", 2718));
    const std::string alphabet = "abc";
    auto randomString = [&](std::size_t minLen, std::size_t maxLen) {
        std::string s(std::uniform_int_distribution<std::size_t>(minLen, maxLen)(rng), ' ');
        for (char& c : s) c = alphabet[std::uniform_int_distribution<std::size_t>(0, 2)(rng)];
        return s;
    };
    int stoppedRuns = 0;
    for (int run = 0; run < 2000; ++run) {
        std::vector<std::string> stops;
        const int nStops = std::uniform_int_distribution<int>(1, 4)(rng);
        for (int i = 0; i < nStops; ++i) stops.push_back(randomString(1, 5));
        const std::string text = randomString(0, 40);
        const auto earliest = [&](const std::string& t) {
            std::size_t first = std::string::npos;
            for (const auto& s : stops) first = std::min(first, t.find(s));
            return first;
        };

        // Generation halts at the first delta that completes a stop: the reference is the earliest
        // stop in the text fed so far (an earlier-starting but unfinished stop never completes).
        StopMatcher m(stops);
        std::string fed;
        std::string emitted;
        bool stopped = false;
        std::size_t pos = 0;
        while (pos < text.size() && !stopped) {
            const std::size_t len = std::uniform_int_distribution<std::size_t>(0, 6)(rng);
            const std::string delta = text.substr(pos, len);
            pos += delta.size();
            fed += delta;
            const auto step = m.push(delta);
            emitted += step.safe;
            stopped = step.stopped;
            const std::size_t first = earliest(fed);
            ASSERT_EQ(stopped, first != std::string::npos) << "run " << run << " fed " << fed;
            if (stopped) {
                ASSERT_EQ(emitted, fed.substr(0, first)) << "run " << run << " fed " << fed;
            } else {
                // No stop yet: exactly the longest stop-prefix suffix is held back.
                ASSERT_EQ(emitted, fed.substr(0, fed.size() - heldLength(fed, stops)))
                    << "run " << run << " fed " << fed;
            }
        }
        if (!stopped) {
            emitted += m.flush();
            ASSERT_EQ(earliest(text), std::string::npos) << "run " << run;
            ASSERT_EQ(emitted, text) << "run " << run;
        }
        stoppedRuns += stopped;
    }
    EXPECT_GT(stoppedRuns, 200);
    EXPECT_LT(stoppedRuns, 1900);
}

} // namespace
} // namespace ws

// logprobs(): the log-softmax of (penalised, masked) logits over the temperature, against a float64 reference, on
// fresh random logits; the top list ordered; masked tokens at OpenAI's -9999.
TEST(Sampler, LogprobsMatchFloat64LogSoftmax) {
    std::mt19937_64 rng(std::random_device{}());
    std::normal_distribution<float> normal(0.0f, 4.0f);
    for (const float temperature : {0.0f, 0.3f, 1.0f, 1.7f}) {
        ws::SamplingParams p;
        p.temperature = temperature;
        p.top_p = 0.5f; // truncation does not change the reported distribution
        p.seed = rng();
        ws::Sampler sampler(p);
        std::vector<float> logits(5000);
        for (float& x : logits) x = normal(rng);
        for (int i = 0; i < 100; ++i) logits[rng() % logits.size()] = -std::numeric_limits<float>::infinity();
        std::vector<float> row = logits;
        const ws::TokenId id = sampler.sample(row);
        const ws::TokenLogprobs lp = sampler.logprobs(row, id, 20);
        const double t = temperature > 0.0f ? static_cast<double>(temperature) : 1.0;
        long double sum = 0.0L;
        for (const float x : logits)
            if (std::isfinite(x)) sum += std::exp(static_cast<long double>(x) / t);
        const auto ref = [&](std::size_t i) {
            return std::isfinite(logits[i]) ? static_cast<double>(static_cast<long double>(logits[i]) / t - std::log(sum))
                                            : -9999.0;
        };
        EXPECT_EQ(lp.id, id);
        EXPECT_NEAR(lp.logprob, ref(static_cast<std::size_t>(id)), 1e-9) << "temperature " << temperature;
        ASSERT_EQ(lp.top.size(), 20u);
        std::vector<std::size_t> order(logits.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ref(a) > ref(b); });
        for (std::size_t k = 0; k < 20; ++k) {
            EXPECT_EQ(lp.top[k].first, static_cast<ws::TokenId>(order[k]));
            EXPECT_NEAR(lp.top[k].second, ref(order[k]), 1e-9);
        }
        if (temperature == 0.0f) {
            EXPECT_EQ(id, lp.top[0].first); // greedy takes the most likely
        }
        // a masked token reports -9999
        std::size_t masked = 0;
        while (std::isfinite(logits[masked])) ++masked;
        EXPECT_EQ(sampler.logprobs(row, static_cast<ws::TokenId>(masked), 0).logprob, -9999.0);
    }
}
