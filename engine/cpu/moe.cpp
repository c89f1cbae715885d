// Feed-forward blocks: the dense SwiGLU MLP and DeepSeekMoE (routed experts, only the chosen ones computed, plus
// the shared experts), as HF DeepseekV3MLP / DeepseekV3MoE.
#include <vector>

#include "cpu/cpu_backend.h"
#include "cpu/matmul.h"
#include "cpu/ops.h"
#include "model/routing.h"

namespace ws::cpu {

void CpuModel::feedForward(int layer, const float* h, int T, float* out) const {
    const ModelConfig& c = m_config;
    const LayerWeights& L = m_weights.layers[static_cast<std::size_t>(layer)];
    ThreadPool& pool = m_pool;
    const int H = c.hidden_size;
    if (!L.moe) {
        const int F = L.dense.gate.rows;
        std::vector<float> g(static_cast<std::size_t>(T) * F), u(g.size());
        const MatJob gu[] = {{&L.dense.gate, h, T, g.data()}, {&L.dense.up, h, T, u.data()}};
        matmulMany(pool, gu);
        siluMul(g.data(), u.data(), static_cast<std::int64_t>(g.size()));
        matmul(pool, MatJob{&L.dense.down, g.data(), T, out});
        return;
    }
    // Route every token: [T, n_routed] logits → k experts with weights.
    const int n = c.n_routed_experts, k = c.num_experts_per_tok;
    std::vector<float> logits(static_cast<std::size_t>(T) * n);
    MatJob router{&L.router, h, T, logits.data()};
    router.exact = true; // a rounding error here can change which experts run
    matmul(pool, router);
    std::vector<int> chosen(static_cast<std::size_t>(T) * k);
    std::vector<float> weight(chosen.size()), scratch;
    for (int t = 0; t < T; ++t)
        routeToken(c, std::span<const float>(logits.data() + t * n, static_cast<std::size_t>(n)), L.router_bias,
                   std::span<int>(chosen.data() + t * k, static_cast<std::size_t>(k)),
                   std::span<float>(weight.data() + t * k, static_cast<std::size_t>(k)), scratch);

    // Group tokens by expert: rows[e] lists (token, weight) pairs.
    std::vector<std::vector<std::pair<int, float>>> rows(static_cast<std::size_t>(n));
    for (int t = 0; t < T; ++t)
        for (int j = 0; j < k; ++j)
            rows[static_cast<std::size_t>(chosen[static_cast<std::size_t>(t * k + j)])].emplace_back(
                t, weight[static_cast<std::size_t>(t * k + j)]);

    struct Group {
        const ExpertWeights* w;
        int count;
        std::vector<float> x, g, u, d; // [count, H], [count, F], [count, F], [count, H]
    };
    std::vector<Group> groups;
    groups.reserve(static_cast<std::size_t>(n) + 1);
    for (int e = 0; e < n; ++e) {
        const auto& r = rows[static_cast<std::size_t>(e)];
        if (r.empty()) continue;
        Group gr{&L.experts[static_cast<std::size_t>(e)], static_cast<int>(r.size()), {}, {}, {}, {}};
        gr.x.resize(r.size() * static_cast<std::size_t>(H));
        for (std::size_t i = 0; i < r.size(); ++i)
            std::copy(h + static_cast<std::size_t>(r[i].first) * H, h + static_cast<std::size_t>(r[i].first + 1) * H,
                      gr.x.begin() + static_cast<std::ptrdiff_t>(i * H));
        groups.push_back(std::move(gr));
    }
    const bool shared = c.n_shared_experts > 0;
    if (shared) groups.push_back(Group{&L.shared, T, std::vector<float>(h, h + static_cast<std::size_t>(T) * H), {}, {}, {}});

    std::vector<MatJob> jobs;
    for (auto& gr : groups) {
        const std::size_t F = static_cast<std::size_t>(gr.w->gate.rows);
        gr.g.resize(static_cast<std::size_t>(gr.count) * F);
        gr.u.resize(gr.g.size());
        gr.d.resize(static_cast<std::size_t>(gr.count) * static_cast<std::size_t>(H));
        jobs.push_back({&gr.w->gate, gr.x.data(), gr.count, gr.g.data()});
        jobs.push_back({&gr.w->up, gr.x.data(), gr.count, gr.u.data()});
    }
    matmulMany(pool, jobs);
    jobs.clear();
    for (auto& gr : groups) {
        siluMul(gr.g.data(), gr.u.data(), static_cast<std::int64_t>(gr.g.size()));
        jobs.push_back({&gr.w->down, gr.g.data(), gr.count, gr.d.data()});
    }
    matmulMany(pool, jobs);

    // out[t] = Σ_e w_e · expert_e(h[t]) + shared(h[t])
    if (shared)
        std::copy(groups.back().d.begin(), groups.back().d.end(), out);
    else
        std::fill(out, out + static_cast<std::size_t>(T) * H, 0.0f);
    std::size_t gi = 0;
    for (int e = 0; e < n; ++e) {
        const auto& r = rows[static_cast<std::size_t>(e)];
        if (r.empty()) continue;
        const Group& gr = groups[gi++];
        for (std::size_t i = 0; i < r.size(); ++i)
            axpy(r[i].second, gr.d.data() + i * static_cast<std::size_t>(H), out + static_cast<std::size_t>(r[i].first) * H, H);
    }
}

} // namespace ws::cpu
