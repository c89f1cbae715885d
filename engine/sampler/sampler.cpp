// Sampler: parameter validation, penalties, temperature / top-k / top-p / min-p and the seeded draw.
#include "whalesong/sampler.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace ws {

namespace {

std::string formatFloat(float v) {
    if (std::isnan(v)) return "nan";
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    if (ec != std::errc()) return std::to_string(v);
    return std::string(buf, end);
}

// `lo`/`hi` inclusive or not; NaN fails every comparison and is therefore rejected.
Status checkRange(const char* name, float v, float lo, bool loIncl, float hi, bool hiIncl) {
    const bool okLo = loIncl ? v >= lo : v > lo;
    const bool okHi = hiIncl ? v <= hi : v < hi;
    if (okLo && okHi) return Status::ok();
    std::string msg = std::string(name) + " must be in " + (loIncl ? "[" : "(") + formatFloat(lo) + ", " +
                      formatFloat(hi) + (hiIncl ? "]" : ")") + ", got " + formatFloat(v);
    return Status(Code::InvalidArgument, std::move(msg));
}

// Uniform double in [0, 1) from the top 53 bits: the same on every standard library.
double uniform01(std::mt19937_64& rng) {
    return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// Largest logit, lowest id on ties; NaN never wins. All NaN (or empty) → 0. All -inf → the lowest id.
TokenId argmaxSane(std::span<const float> logits) {
    std::size_t best = logits.size();
    for (std::size_t i = 0; i < logits.size(); ++i) {
        const float v = logits[i];
        if (std::isnan(v)) continue;
        if (best == logits.size() || v > logits[best]) best = i;
    }
    return best == logits.size() ? 0 : static_cast<TokenId>(best);
}

// Canonical candidate order: larger value first, then lower id. A strict total order, so every
// standard library's nth_element / sort picks the same set in the same order.
bool before(const std::pair<double, TokenId>& a, const std::pair<double, TokenId>& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
}

} // namespace

Status SamplingParams::validate() const {
    WS_TRY(checkRange("temperature", temperature, 0.0f, true, 2.0f, true));
    WS_TRY(checkRange("top_p", top_p, 0.0f, false, 1.0f, true));
    if (top_k < 0)
        return Status(Code::InvalidArgument, "top_k must be >= 0, got " + std::to_string(top_k));
    WS_TRY(checkRange("min_p", min_p, 0.0f, true, 1.0f, false));
    WS_TRY(checkRange("presence_penalty", presence_penalty, -2.0f, true, 2.0f, true));
    WS_TRY(checkRange("frequency_penalty", frequency_penalty, -2.0f, true, 2.0f, true));
    WS_TRY(checkRange("repetition_penalty", repetition_penalty, 0.0f, false, 2.0f, true));
    return Status::ok();
}

Sampler::Sampler(const SamplingParams& params) : m_params(params), m_rng(params.seed) {}

void Sampler::setPrompt(std::span<const TokenId> prompt) {
    m_promptTokens.assign(prompt.begin(), prompt.end());
    std::sort(m_promptTokens.begin(), m_promptTokens.end());
    m_promptTokens.erase(std::unique(m_promptTokens.begin(), m_promptTokens.end()), m_promptTokens.end());
}

void Sampler::accept(TokenId id) { ++m_generatedCounts[id]; }

void Sampler::applyPenalties(std::span<float> logits) const {
    const auto inRange = [&](TokenId id) { return id >= 0 && static_cast<std::size_t>(id) < logits.size(); };
    const float rp = m_params.repetition_penalty;
    if (rp != 1.0f) {
        // Each distinct token once, whether it appears in the prompt, the output or both.
        const auto penalise = [&](TokenId id) {
            float& l = logits[static_cast<std::size_t>(id)];
            l = l > 0.0f ? l / rp : l * rp;
        };
        for (TokenId id : m_promptTokens)
            if (inRange(id)) penalise(id);
        for (const auto& [id, count] : m_generatedCounts)
            if (inRange(id) && !std::binary_search(m_promptTokens.begin(), m_promptTokens.end(), id))
                penalise(id);
    }
    const float pp = m_params.presence_penalty;
    const float fp = m_params.frequency_penalty;
    if (pp != 0.0f || fp != 0.0f) {
        for (const auto& [id, count] : m_generatedCounts) {
            if (!inRange(id) || count <= 0) continue;
            logits[static_cast<std::size_t>(id)] -= static_cast<float>(count) * fp + pp;
        }
    }
}

// The last candidate (in canonical order) of the smallest canonical prefix of m_scratch whose weight
// reaches `target`, found in expected linear time without sorting the nucleus. (The partial sums follow
// nth_element's arrangement, so only a prefix within rounding of `target` could end differently.)
std::pair<double, TokenId> Sampler::nucleusBoundary(double target) {
    auto& sel = m_select;
    sel.assign(m_scratch.begin(), m_scratch.end());
    const auto massOf = [](auto first, auto last) {
        double m = 0.0;
        for (; first != last; ++first) m += first->first;
        return m;
    };
    // Peaked distributions: the nucleus lies among the few tokens above a weight threshold.
    auto lo = sel.begin();
    auto hi = sel.end();
    for (double threshold : {1e-2, 1e-4, 1e-7}) {
        const auto mid = std::partition(lo, hi, [threshold](const auto& c) { return c.first >= threshold; });
        if (massOf(lo, mid) >= target) {
            hi = mid;
            break;
        }
    }
    // Quickselect on mass: the boundary stays inside [lo, hi); `need` is the mass still to find there.
    double need = target;
    while (hi - lo > 64) {
        const auto mid = lo + (hi - lo) / 2;
        std::nth_element(lo, mid, hi, before);
        const double mass = massOf(lo, mid);
        if (mass >= need) {
            hi = mid;
        } else {
            need -= mass;
            lo = mid;
        }
    }
    std::sort(lo, hi, before);
    double cum = 0.0;
    for (auto it = lo; it != hi; ++it) {
        cum += it->first;
        if (cum >= need) return *it;
    }
    return *(hi - 1); // rounding: the whole range
}

TokenId Sampler::sample(std::span<float> logits) {
    applyPenalties(logits);
    const float temperature = m_params.temperature;
    if (!(temperature > 0.0f)) return argmaxSane(logits);

    // Candidates in id order: everything that is neither NaN nor -inf, as logit / temperature in double.
    auto& cand = m_scratch;
    cand.clear();
    bool anyPosInf = false;
    for (std::size_t i = 0; i < logits.size(); ++i) {
        const float v = logits[i];
        if (std::isnan(v) || v == -std::numeric_limits<float>::infinity()) continue;
        anyPosInf |= std::isinf(v);
        cand.emplace_back(static_cast<double>(v) / static_cast<double>(temperature), static_cast<TokenId>(i));
    }
    // Nothing can be sampled: fall back to greedy (lowest id among the -inf ones, else 0). No RNG drawn.
    if (cand.empty()) return argmaxSane(logits);
    if (anyPosInf) {
        // +inf dominates everything: the +inf tokens share the mass equally.
        std::erase_if(cand, [](const auto& c) { return !std::isinf(c.first); });
        for (auto& c : cand) c.first = 0.0;
    }

    // top_k: the k best in canonical order; the kept set is then sorted canonically.
    bool sorted = false;
    const auto k = static_cast<std::size_t>(std::max(m_params.top_k, 0));
    if (k > 0 && k < cand.size()) {
        std::nth_element(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(k - 1), cand.end(), before);
        cand.resize(k);
        std::sort(cand.begin(), cand.end(), before);
        sorted = true;
    }

    // Softmax weights relative to the best token (weight 1); `total` is the normaliser.
    double maxX = -std::numeric_limits<double>::infinity();
    for (const auto& c : cand) maxX = std::max(maxX, c.first);
    double total = 0.0;
    for (auto& c : cand) {
        c.first = std::exp(c.first - maxX);
        total += c.first;
    }

    // min_p: p < min_p * p_max  <=>  weight < min_p. Order-preserving, so the id order survives.
    // Both min_p and top_p keep a prefix of the canonical order, so applying min_p first gives the same
    // intersection as top_p then min_p, as long as top_p measures against the full `total`.
    if (m_params.min_p > 0.0f) {
        const double minW = static_cast<double>(m_params.min_p);
        std::erase_if(cand, [minW](const auto& c) { return c.first < minW; });
    }

    // top_p: the smallest canonical prefix whose mass reaches top_p * total.
    if (m_params.top_p < 1.0f) {
        const double target = static_cast<double>(m_params.top_p) * total;
        double kept = 0.0;
        for (const auto& c : cand) kept += c.first;
        if (kept > target) {
            if (sorted) {
                double cum = 0.0;
                std::size_t n = 0;
                while (n < cand.size()) {
                    cum += cand[n].first;
                    ++n;
                    if (cum >= target) break;
                }
                cand.resize(std::max<std::size_t>(n, 1));
            } else {
                const auto last = nucleusBoundary(target);
                std::erase_if(cand, [&last](const auto& c) { return before(last, c); });
            }
        }
    }

    // Draw: walk the kept candidates (canonical or id order, both library-independent).
    double sum = 0.0;
    for (const auto& c : cand) sum += c.first;
    const double u = uniform01(m_rng) * sum;
    double acc = 0.0;
    TokenId lastPositive = cand.front().second;
    for (const auto& c : cand) {
        if (c.first <= 0.0) continue;
        acc += c.first;
        lastPositive = c.second;
        if (u < acc) return c.second;
    }
    return lastPositive; // rounding: u landed at the very top of the mass
}

TokenLogprobs Sampler::logprobs(std::span<const float> logits, TokenId chosen, int top) const {
    constexpr double kImpossible = -9999.0;
    const double t = m_params.temperature > 0.0f ? static_cast<double>(m_params.temperature) : 1.0;
    const auto usable = [](float v) { return std::isfinite(v); };
    double maxX = -std::numeric_limits<double>::infinity();
    for (const float v : logits)
        if (usable(v)) maxX = std::max(maxX, static_cast<double>(v) / t);
    double sum = 0.0;
    for (const float v : logits)
        if (usable(v)) sum += std::exp(static_cast<double>(v) / t - maxX);
    const double lse = maxX + std::log(sum);
    const auto lp = [&](std::size_t i) {
        return usable(logits[i]) && sum > 0.0 ? static_cast<double>(logits[i]) / t - lse : kImpossible;
    };
    TokenLogprobs out;
    out.id = chosen;
    out.logprob = chosen >= 0 && static_cast<std::size_t>(chosen) < logits.size() ? lp(static_cast<std::size_t>(chosen))
                                                                                  : kImpossible;
    const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(std::max(top, 0)), logits.size());
    if (k == 0) return out;
    std::vector<std::pair<double, TokenId>> all;
    all.reserve(logits.size());
    for (std::size_t i = 0; i < logits.size(); ++i) all.emplace_back(lp(i), static_cast<TokenId>(i));
    const auto better = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(), better);
    for (std::size_t i = 0; i < k; ++i) out.top.emplace_back(all[i].second, all[i].first);
    return out;
}

} // namespace ws
