// The GPU memory plan: weights as shipped (no F32 copy), a BF16 latent KV cache per session, and the forward
// pass's workspace, per device, against the device's free memory — decided before a byte is uploaded.
#include "model/memory_plan.h"

#include "model/gguf_model.h"

#include <algorithm>
#include <cstdio>

#include "model/safetensors.h"

namespace ws {
namespace {

using u64 = std::uint64_t;

std::string gib(u64 bytes) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / static_cast<double>(u64{1} << 30));
    return buf;
}

// Past this, prefill attention uses the absorbed form (no decompressed K/V): the naive form's buffers are capped.
constexpr u64 kNaiveAttentionBudget = u64{256} << 20;
// Splits of the sequence in MLA decode (FlashMLA's idea), at most.
constexpr u64 kMlaSplits = 64;

void addMatrix(std::vector<TensorPlacement>& out, const Matrix& m, int device) {
    if (m.rows == 0) return;
    out.push_back({m.name, m.bytes(), device});
}

void addVector(std::vector<TensorPlacement>& out, const std::string& name, const std::vector<float>& v, int device) {
    if (v.empty()) return;
    out.push_back({name, v.size() * sizeof(float), device});
}

/// Every tensor the forward pass reads, placed. Today a whole model goes to one GPU; layers across GPUs and
/// routed experts in host memory are decisions of this function.
std::vector<TensorPlacement> placeTensors(const ModelWeights& w, int device) {
    std::vector<TensorPlacement> t;
    addMatrix(t, w.embed, device);
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const LayerWeights& L = w.layers[l];
        const std::string p = "model.layers." + std::to_string(l) + ".";
        addVector(t, p + "input_layernorm.weight", L.attn_norm, device);
        for (const Matrix* m : {&L.q_a, &L.q_b, &L.kv_a, &L.kv_b, &L.k_b, &L.v_b, &L.o}) addMatrix(t, *m, device);
        addVector(t, p + "self_attn.q_a_layernorm.weight", L.q_a_norm, device);
        addVector(t, p + "self_attn.kv_a_layernorm.weight", L.kv_a_norm, device);
        addVector(t, p + "post_attention_layernorm.weight", L.ffn_norm, device);
        const auto mlp = [&](const ExpertWeights& e) {
            for (const Matrix* m : {&e.gate, &e.up, &e.down}) addMatrix(t, *m, device);
        };
        if (!L.moe) {
            mlp(L.dense);
            continue;
        }
        addMatrix(t, L.router, device);
        addVector(t, p + "mlp.gate.e_score_correction_bias", L.router_bias, device);
        for (const ExpertWeights& e : L.experts) mlp(e);
        mlp(L.shared);
    }
    addVector(t, "model.norm.weight", w.norm, device);
    addMatrix(t, w.lm_head, device);
    return t;
}

} // namespace

u64 gpuWorkspaceBytes(const ModelConfig& c, const MemoryPlanOptions& o, int context) {
    const u64 T = static_cast<u64>(std::max(o.prefillChunk, o.maxBatch));
    const u64 H = static_cast<u64>(c.hidden_size), nh = static_cast<u64>(c.num_attention_heads);
    const u64 dq = static_cast<u64>(c.qkHeadDim()), dn = static_cast<u64>(c.qk_nope_head_dim);
    const u64 dv = static_cast<u64>(c.v_head_dim), R = static_cast<u64>(c.kv_lora_rank);
    const u64 f = sizeof(float);
    u64 bytes = 3 * T * H * f;                                          // x, normed x, block output
    bytes += T * (static_cast<u64>(c.q_lora_rank) + nh * dq + static_cast<u64>(c.kvWidth())) * f; // q_a, q, kv_a
    bytes += T * nh * std::max(R, dv) * f;                              // q in latent space / attention output
    // Prefill attention: decompressed K/V (BF16) and one head's scores over the context at a time, or the
    // absorbed form past the budget.
    const u64 naive = static_cast<u64>(context) * nh * (dn + dv) * 2 + T * static_cast<u64>(context) * f;
    bytes += std::min(naive, kNaiveAttentionBudget);
    // Decode attention split over the sequence: per row, head and split a running max, sum and accumulator.
    bytes += static_cast<u64>(o.maxBatch) * nh * kMlaSplits * (R + 2) * f;
    // FFN: the dense one, or k routed rows per token plus the shared experts (gate, up, down outputs).
    const u64 dense = T * static_cast<u64>(c.intermediate_size) * 2 * f;
    const u64 moeRows = T * static_cast<u64>(c.num_experts_per_tok);
    const u64 moe = moeRows * (static_cast<u64>(c.moe_intermediate_size) * 2 + H) * f +
                    T * static_cast<u64>(c.moe_intermediate_size * c.n_shared_experts) * 2 * f +
                    T * static_cast<u64>(c.n_routed_experts) * f + moeRows * (sizeof(int) + f);
    bytes += std::max(dense, moe);
    // FP8 prefill: activations quantised 1×128 (e4m3 + a scale per 128).
    bytes += T * std::max(H, static_cast<u64>(c.intermediate_size)) * 2;
    bytes += T * static_cast<u64>(c.vocab_size) * f; // logits of every row of a chunk
    return bytes;
}

MemoryPlan planMemory(const ModelConfig& c, const ModelWeights& w, std::span<const GpuInfo> gpus,
                      const MemoryPlanOptions& options) {
    MemoryPlan plan;
    plan.context = options.context > 0 ? options.context : c.max_position_embeddings;
    plan.sessions = std::max(1, options.sessions);
    plan.kvBytesPerToken = static_cast<u64>(c.kvWidth()) * options.kvElementBytes * static_cast<u64>(c.num_hidden_layers);
    plan.tensors = placeTensors(w, options.gpu);

    DeviceMemory d;
    d.device = options.gpu;
    const bool known = options.gpu >= 0 && static_cast<std::size_t>(options.gpu) < gpus.size();
    if (known) {
        d.name = gpus[static_cast<std::size_t>(options.gpu)].name;
        d.freeBytes = gpus[static_cast<std::size_t>(options.gpu)].freeBytes;
    }
    for (const TensorPlacement& t : plan.tensors)
        if (t.device == options.gpu) d.weightBytes += t.bytes;
    d.reserveBytes = options.reserveBytes;
    const auto needFor = [&](int ctx) {
        return d.weightBytes + d.reserveBytes + gpuWorkspaceBytes(c, options, ctx) +
               plan.kvBytesPerToken * static_cast<u64>(ctx) * static_cast<u64>(plan.sessions);
    };
    d.kvBytes = plan.kvBytesPerToken * static_cast<u64>(plan.context) * static_cast<u64>(plan.sessions);
    d.workspaceBytes = gpuWorkspaceBytes(c, options, plan.context);
    plan.devices.push_back(d);

    // The longest context that fits: needFor grows with the context, so a binary search over [1, max].
    int lo = 0, hi = c.max_position_embeddings;
    while (lo < hi) {
        const int mid = lo + (hi - lo + 1) / 2;
        if (needFor(mid) <= d.freeBytes) lo = mid;
        else hi = mid - 1;
    }
    plan.maxContext = lo;
    plan.fits = known && d.neededBytes() <= d.freeBytes;
    if (!known) {
        plan.problem = "GPU " + std::to_string(options.gpu) + " does not exist (" + std::to_string(gpus.size()) +
                       " visible)";
    } else if (!plan.fits) {
        plan.problem = "GPU " + std::to_string(d.device) + " (" + d.name + ") has " + gib(d.freeBytes) +
                       " free; the model needs " + gib(d.neededBytes()) + " (weights " + gib(d.weightBytes) +
                       ", KV cache " + gib(d.kvBytes) + " for " + std::to_string(plan.context) + " tokens × " +
                       std::to_string(plan.sessions) + " session(s), workspace " + gib(d.workspaceBytes) +
                       ", CUDA and cuBLAS " + gib(d.reserveBytes) + "); " +
                       (plan.maxContext > 0 ? "a context of " + std::to_string(plan.maxContext) + " tokens would fit"
                                            : "not even the weights fit");
    }
    return plan;
}

Result<MemoryPlan> planModelMemory(const std::filesystem::path& dir, std::span<const GpuInfo> gpus,
                                   const MemoryPlanOptions& options) {
    std::error_code ec;
    if (isGgufPath(dir) && std::filesystem::is_regular_file(dir, ec)) {
        auto gguf = openGgufModel(dir);
        if (!gguf) return gguf.status();
        const ModelConfig& c = gguf.value().config;
        if (options.context < 0 || options.context > c.max_position_embeddings)
            return Status(Code::InvalidArgument, "context " + std::to_string(options.context) + " outside [1, " +
                                                     std::to_string(c.max_position_embeddings) + "] (context_length)");
        auto weights = ModelWeights::bind(gguf.value().store, c);
        if (!weights) return weights.status();
        return planMemory(c, weights.value(), gpus, options);
    }
    auto config = ModelConfig::load(dir / "config.json");
    if (!config) return config.status();
    if (options.context < 0 || options.context > config.value().max_position_embeddings)
        return Status(Code::InvalidArgument, "context " + std::to_string(options.context) + " outside [1, " +
                                                 std::to_string(config.value().max_position_embeddings) +
                                                 "] (config.json max_position_embeddings)");
    auto store = TensorStore::open(dir);
    if (!store) return store.status();
    auto weights = ModelWeights::bind(store.value(), config.value());
    if (!weights) return weights.status();
    return planMemory(config.value(), weights.value(), gpus, options);
}

} // namespace ws
