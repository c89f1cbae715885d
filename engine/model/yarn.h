// RoPE frequencies with DeepSeek's YaRN scaling (HF DeepseekV3YarnRotaryEmbedding), shared by all backends.
#pragma once

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "whalesong/model_config.h"

namespace ws {

inline double yarnGetMscale(double scale, double mscale) {
    return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

/// Rotary frequencies for qk_rope_head_dim: inv_freq[i], i < dim/2, and the factor on cos/sin.
struct RopeParams {
    std::vector<double> invFreq;
    double cosSinScale = 1.0;
    double softmaxScale = 1.0; ///< (nope + rope)^-0.5, times mscale² under YaRN
};

inline RopeParams ropeParams(const ModelConfig& c) {
    const int dim = c.qk_rope_head_dim;
    const double base = c.rope_theta;
    RopeParams p;
    p.invFreq.resize(static_cast<std::size_t>(dim / 2));
    for (int i = 0; i < dim / 2; ++i) p.invFreq[static_cast<std::size_t>(i)] = 1.0 / std::pow(base, 2.0 * i / dim);
    p.softmaxScale = 1.0 / std::sqrt(static_cast<double>(c.qkHeadDim()));
    if (!c.rope_scaling) return p;
    const RopeScaling& y = *c.rope_scaling;
    const auto corrDim = [&](double rot) {
        return dim * std::log(y.original_max_position_embeddings / (rot * 2.0 * std::numbers::pi)) /
               (2.0 * std::log(base));
    };
    double low = std::max(std::floor(corrDim(y.beta_fast)), 0.0);
    double high = std::min(std::ceil(corrDim(y.beta_slow)), static_cast<double>(dim - 1));
    if (low == high) high += 0.001;
    for (int i = 0; i < dim / 2; ++i) {
        const double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
        const double extrapolate = 1.0 - ramp; // 1: keep the original frequency, 0: interpolate
        const double extra = p.invFreq[static_cast<std::size_t>(i)];
        const double inter = extra / y.factor;
        p.invFreq[static_cast<std::size_t>(i)] = inter * (1.0 - extrapolate) + extra * extrapolate;
    }
    p.cosSinScale = yarnGetMscale(y.factor, y.mscale) / yarnGetMscale(y.factor, y.mscale_all_dim);
    if (y.mscale_all_dim != 0.0) {
        const double m = yarnGetMscale(y.factor, y.mscale_all_dim);
        p.softmaxScale *= m * m;
    }
    return p;
}

} // namespace ws
