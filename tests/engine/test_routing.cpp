// MoE routing and YaRN frequencies against independent float64 formulations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "model/routing.h"
#include "model/yarn.h"

namespace {

ws::ModelConfig v3Config() {
    ws::ModelConfig c;
    c.model_type = "deepseek_v3";
    c.n_routed_experts = 16;
    c.num_experts_per_tok = 4;
    c.n_group = 4;
    c.topk_group = 2;
    c.topk_method = ws::TopkMethod::NoauxTc;
    c.scoring_func = ws::ScoringFunc::Sigmoid;
    c.norm_topk_prob = true;
    c.routed_scaling_factor = 2.5;
    return c;
}

// Brute force: enumerate every allowed set of groups, as the HF gate defines the choice.
std::vector<std::pair<int, double>> referenceRoute(const ws::ModelConfig& c, const std::vector<float>& logits,
                                                   const std::vector<float>& bias) {
    const int n = c.n_routed_experts, k = c.num_experts_per_tok, per = n / c.n_group;
    std::vector<double> scores(static_cast<std::size_t>(n)), choice(static_cast<std::size_t>(n));
    double mx = *std::max_element(logits.begin(), logits.end()), sum = 0.0;
    for (int e = 0; e < n; ++e) {
        const double l = logits[static_cast<std::size_t>(e)];
        scores[static_cast<std::size_t>(e)] = c.scoring_func == ws::ScoringFunc::Sigmoid ? 1.0 / (1.0 + std::exp(-l)) : std::exp(l - mx);
        sum += scores[static_cast<std::size_t>(e)];
    }
    if (c.scoring_func == ws::ScoringFunc::Softmax)
        for (auto& s : scores) s /= sum;
    for (int e = 0; e < n; ++e)
        choice[static_cast<std::size_t>(e)] = scores[static_cast<std::size_t>(e)] + (bias.empty() ? 0.0 : bias[static_cast<std::size_t>(e)]);
    std::vector<bool> allowed(static_cast<std::size_t>(n), true);
    if (c.topk_method != ws::TopkMethod::Greedy && c.n_group > 1) {
        std::vector<std::pair<double, int>> gs;
        for (int g = 0; g < c.n_group; ++g) {
            std::vector<double> v(choice.begin() + g * per, choice.begin() + (g + 1) * per);
            std::sort(v.rbegin(), v.rend());
            gs.emplace_back(c.topk_method == ws::TopkMethod::NoauxTc ? v[0] + v[1] : v[0], -g);
        }
        std::sort(gs.rbegin(), gs.rend());
        std::fill(allowed.begin(), allowed.end(), false);
        for (int r = 0; r < c.topk_group; ++r)
            for (int i = 0; i < per; ++i) allowed[static_cast<std::size_t>(-gs[static_cast<std::size_t>(r)].second * per + i)] = true;
    }
    std::vector<std::pair<double, int>> cand;
    for (int e = 0; e < n; ++e)
        if (allowed[static_cast<std::size_t>(e)]) cand.emplace_back(choice[static_cast<std::size_t>(e)], -e);
    std::sort(cand.rbegin(), cand.rend());
    std::vector<std::pair<int, double>> out;
    double wsum = 0.0;
    for (int j = 0; j < k; ++j) {
        const int e = -cand[static_cast<std::size_t>(j)].second;
        out.emplace_back(e, scores[static_cast<std::size_t>(e)]);
        wsum += scores[static_cast<std::size_t>(e)];
    }
    const bool norm = k > 1 && c.norm_topk_prob;
    for (auto& [e, w] : out) {
        if (norm) w /= wsum + 1e-20;
        if (c.isV3() || !norm) w *= c.routed_scaling_factor;
    }
    return out;
}

void checkAgainstReference(const ws::ModelConfig& c, bool withBias, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.0f, 1.5f);
    std::vector<float> scratch;
    for (int rep = 0; rep < 500; ++rep) {
        std::vector<float> logits(static_cast<std::size_t>(c.n_routed_experts)), bias;
        for (auto& l : logits) l = nd(rng);
        if (withBias) {
            bias.resize(logits.size());
            for (auto& b : bias) b = 0.3f * nd(rng);
        }
        std::vector<int> experts(static_cast<std::size_t>(c.num_experts_per_tok));
        std::vector<float> weights(experts.size());
        ws::routeToken(c, logits, bias, experts, weights, scratch);
        const auto ref = referenceRoute(c, logits, bias);
        for (std::size_t j = 0; j < experts.size(); ++j) {
            ASSERT_EQ(experts[j], ref[j].first) << "rep " << rep << " slot " << j << " seed " << seed;
            ASSERT_NEAR(weights[j], ref[j].second, 1e-6 * (1 + std::abs(ref[j].second)));
        }
    }
}

TEST(Routing, V3GroupLimitedSigmoidWithBias) { checkAgainstReference(v3Config(), true, std::random_device{}()); }

TEST(Routing, V2GreedySoftmaxScalesOnlyWithoutNormalisation) {
    ws::ModelConfig c = v3Config();
    c.model_type = "deepseek_v2";
    c.topk_method = ws::TopkMethod::Greedy;
    c.scoring_func = ws::ScoringFunc::Softmax;
    c.n_group = 1;
    c.topk_group = 1;
    c.norm_topk_prob = false;
    c.routed_scaling_factor = 1.5;
    checkAgainstReference(c, false, std::random_device{}());
    c.norm_topk_prob = true; // normalised: no scaling for V2
    checkAgainstReference(c, false, std::random_device{}());
}

TEST(Routing, V2GroupLimitedGreedyRanksGroupsByTheirMax) {
    ws::ModelConfig c = v3Config();
    c.model_type = "deepseek_v2";
    c.topk_method = ws::TopkMethod::GroupLimitedGreedy;
    c.scoring_func = ws::ScoringFunc::Softmax;
    checkAgainstReference(c, false, std::random_device{}());
}

TEST(Routing, BiasChoosesButDoesNotWeigh) {
    ws::ModelConfig c = v3Config();
    c.n_group = 1;
    c.topk_group = 1;
    c.num_experts_per_tok = 1;
    c.norm_topk_prob = false;
    c.routed_scaling_factor = 1.0;
    std::vector<float> logits(16, 0.0f), bias(16, 0.0f), scratch;
    logits[3] = 2.0f;  // best unbiased score
    bias[9] = 5.0f;    // but expert 9 wins the choice
    std::vector<int> e(1);
    std::vector<float> w(1);
    ws::routeToken(c, logits, bias, e, w, scratch);
    EXPECT_EQ(e[0], 9);
    EXPECT_NEAR(w[0], 0.5, 1e-6); // sigmoid(0): the bias is not in the weight
}

TEST(Routing, GroupScoreIsTheSumOfTheTopTwo) {
    ws::ModelConfig c = v3Config(); // 4 groups of 4, keep 2
    c.num_experts_per_tok = 2;
    std::vector<float> logits(16, -6.0f), scratch;
    // group 0: one very strong expert; groups 1 and 2: two good ones each; group 3: nothing.
    logits[0] = 6.0f;
    logits[4] = logits[5] = 1.5f;
    logits[8] = logits[9] = 1.0f;
    std::vector<int> e(2);
    std::vector<float> w(2);
    ws::routeToken(c, logits, {}, e, w, scratch);
    // top-2 sums: g0 ≈ 1.0025, g1 ≈ 1.63, g2 ≈ 1.46 → groups 1 and 2; expert 0 is excluded despite its score.
    std::set<int> got(e.begin(), e.end());
    EXPECT_EQ(got, (std::set<int>{4, 5}));
}

TEST(Yarn, MatchesTheHfFormulas) {
    ws::ModelConfig c;
    c.qk_rope_head_dim = 64;
    c.qk_nope_head_dim = 128;
    c.rope_theta = 10000.0;
    ws::RopeScaling y;
    y.type = "yarn";
    y.factor = 40.0;
    y.original_max_position_embeddings = 4096;
    y.beta_fast = 32;
    y.beta_slow = 1;
    y.mscale = 1.0;
    y.mscale_all_dim = 1.0;
    c.rope_scaling = y;
    const auto p = ws::ropeParams(c);
    const double pi = std::acos(-1.0);
    const auto corr = [&](double rot) { return 64 * std::log(4096 / (rot * 2 * pi)) / (2 * std::log(10000.0)); };
    const double low = std::max(0.0, std::floor(corr(32))), high = std::min(63.0, std::ceil(corr(1)));
    for (int i = 0; i < 32; ++i) {
        const double extra = std::pow(10000.0, -2.0 * i / 64), inter = extra / 40.0;
        const double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
        const double expect = inter * ramp + extra * (1 - ramp);
        EXPECT_NEAR(p.invFreq[static_cast<std::size_t>(i)], expect, 1e-15 * expect + 1e-300) << i;
    }
    const double m = 0.1 * std::log(40.0) + 1.0;
    EXPECT_NEAR(p.softmaxScale, m * m / std::sqrt(192.0), 1e-12);
    EXPECT_NEAR(p.cosSinScale, 1.0, 1e-12);
    EXPECT_GT(p.invFreq[31], 0.0);
    EXPECT_LT(p.invFreq[31], std::pow(10000.0, -62.0 / 64)); // the slowest frequencies are interpolated
}

} // namespace
