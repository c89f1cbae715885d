// MoE routing (HF MoEGate): which experts a token goes to and with what weight, for V3 and V2 gates.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

#include "whalesong/model_config.h"

namespace ws {

/// From router logits [n_routed] to k (expert, weight) pairs. `bias` is e_score_correction_bias (V3) or empty.
/// `scratch` avoids allocations in the decode loop.
inline void routeToken(const ModelConfig& c, std::span<const float> logits, std::span<const float> bias,
                       std::span<int> experts, std::span<float> weights, std::vector<float>& scratch) {
    const int n = c.n_routed_experts, k = c.num_experts_per_tok;
    scratch.resize(static_cast<std::size_t>(2 * n));
    float* scores = scratch.data();      // what the weights come from
    float* choice = scratch.data() + n;  // what the selection uses
    if (c.scoring_func == ScoringFunc::Sigmoid) {
        for (int e = 0; e < n; ++e) scores[e] = 1.0f / (1.0f + std::exp(-logits[static_cast<std::size_t>(e)]));
    } else {
        const float mx = *std::max_element(logits.begin(), logits.end());
        double sum = 0.0;
        for (int e = 0; e < n; ++e) sum += scores[e] = std::exp(logits[static_cast<std::size_t>(e)] - mx);
        for (int e = 0; e < n; ++e) scores[e] = static_cast<float>(scores[e] / sum);
    }
    for (int e = 0; e < n; ++e) choice[e] = scores[e] + (bias.empty() ? 0.0f : bias[static_cast<std::size_t>(e)]);

    const float kNegInf = -std::numeric_limits<float>::infinity();
    if (c.topk_method != TopkMethod::Greedy && c.n_group > 1) {
        // Group-limited: keep the topk_group best groups. V3 ranks a group by the sum of its two best
        // (biased) scores, V2 by its best score.
        const int per = n / c.n_group;
        std::vector<float> groupScore(static_cast<std::size_t>(c.n_group));
        for (int g = 0; g < c.n_group; ++g) {
            float* b = choice + g * per;
            if (c.topk_method == TopkMethod::NoauxTc) {
                float m1 = kNegInf, m2 = kNegInf;
                for (int i = 0; i < per; ++i) {
                    if (b[i] > m1) {
                        m2 = m1;
                        m1 = b[i];
                    } else if (b[i] > m2) {
                        m2 = b[i];
                    }
                }
                groupScore[static_cast<std::size_t>(g)] = m1 + m2;
            } else {
                groupScore[static_cast<std::size_t>(g)] = *std::max_element(b, b + per);
            }
        }
        std::vector<int> order(static_cast<std::size_t>(c.n_group));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
            return groupScore[static_cast<std::size_t>(a)] > groupScore[static_cast<std::size_t>(b)];
        });
        for (int r = c.topk_group; r < c.n_group; ++r) {
            const int g = order[static_cast<std::size_t>(r)];
            std::fill(choice + g * per, choice + (g + 1) * per, kNegInf);
        }
    }
    // Top-k by `choice`; ties go to the lower index. Taken experts are skipped, masked groups are -inf.
    std::vector<bool> taken(static_cast<std::size_t>(n), false);
    for (int j = 0; j < k; ++j) {
        int best = -1;
        for (int e = 0; e < n; ++e)
            if (!taken[static_cast<std::size_t>(e)] && (best < 0 || choice[e] > choice[best])) best = e;
        taken[static_cast<std::size_t>(best)] = true;
        experts[static_cast<std::size_t>(j)] = best;
        weights[static_cast<std::size_t>(j)] = scores[best]; // the unbiased score
    }
    const bool normalise = k > 1 && c.norm_topk_prob;
    if (normalise) {
        double sum = 0.0;
        for (int j = 0; j < k; ++j) sum += weights[static_cast<std::size_t>(j)];
        for (int j = 0; j < k; ++j)
            weights[static_cast<std::size_t>(j)] = static_cast<float>(weights[static_cast<std::size_t>(j)] / (sum + 1e-20));
    }
    // V3 always scales; V2 scales only when it does not normalise (modeling_deepseek.py V2 MoEGate).
    if (c.isV3() || !normalise)
        for (int j = 0; j < k; ++j)
            weights[static_cast<std::size_t>(j)] *= static_cast<float>(c.routed_scaling_factor);
}

} // namespace ws
