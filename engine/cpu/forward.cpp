// The CPU forward pass of DeepSeek-V3/V2 (HF modeling_deepseek.py): embed → per layer RMSNorm → MLA → RMSNorm →
// dense FFN | MoE → final norm → lm_head. MLA is in mla.cpp, the FFNs in moe.cpp.
#include <algorithm>
#include <cmath>
#include <new>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "cpu/cpu_backend.h"
#include "cpu/matmul.h"
#include "cpu/ops.h"

namespace ws::cpu {

namespace {
// A forward pass allocates its activations layer by layer. glibc serves blocks from 128 KB up (its threshold
// grows with use, but starts there) with fresh mmap()s and gives freed heap tops back to the system, so every
// layer of a prompt paid page faults and zero-filling again (~10 % of a prompt's time, measured). Blocks up to
// 32 MB (glibc's largest threshold) now come from the heap and freed memory is kept up to 256 MB, to be reused by
// the next layer. Process-wide, once, and kept after the model is gone (the app's other allocations live with it
// too: at most 256 MB of freed memory stays with the process); other allocators than glibc's are left alone.
void keepActivationMemory() {
#if defined(__GLIBC__)
    static const bool once = [] {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
        return true;
    }();
    (void)once;
#endif
}
} // namespace

CpuModel::CpuModel(const ModelConfig& config, TensorStore store, ModelWeights weights, int threads)
    : m_config(config), m_store(std::move(store)), m_weights(std::move(weights)), m_rope(ropeParams(config)),
      m_pool(threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))) {
    m_info.name = std::string("cpu (") + kernelName() + ")";
    m_info.device = "cpu";
    m_info.kvType = "f32";
    m_info.kvBytesPerToken = static_cast<std::uint64_t>(config.kvWidth()) * sizeof(float) *
                             static_cast<std::uint64_t>(config.num_hidden_layers);
    m_info.cpuThreads = m_pool.size();
    keepActivationMemory();
    // Floats a prompt token holds while a layer runs: the residual stream and its normed copy and output, the
    // attention's queries, latent and output, and the FFN's widest step (a dense layer's gate and up, or each
    // chosen and shared expert's input, gate, up and output). A larger chunk reads every weight once for more
    // tokens and, above all, decompresses the latent K and V of the earlier positions fewer times (with chunks of
    // 512, a 4K-token prompt decompressed them for 18,432 positions; in one chunk, 4,096).
    const std::int64_t H = config.hidden_size, nh = config.num_attention_heads;
    const std::int64_t experts = config.num_experts_per_tok + std::max(0, config.n_shared_experts);
    const std::int64_t ffn = std::max<std::int64_t>(2 * std::int64_t{config.intermediate_size},
                                                    experts * (2 * H + 2 * std::int64_t{config.moe_intermediate_size}));
    const std::int64_t perToken = 3 * H + nh * (config.qkHeadDim() + config.v_head_dim) + config.kvWidth() +
                                  std::max(0, config.q_lora_rank) + ffn;
    m_prefillChunk = static_cast<int>(std::clamp<std::int64_t>((std::int64_t{1} << 30) / (perToken * 4), 512, 4096));
}

Result<std::unique_ptr<detail::BackendSession>> CpuModel::newSession(int contextLimit) const {
    return std::unique_ptr<detail::BackendSession>(new CpuSession(*this, contextLimit));
}

CpuSession::CpuSession(const CpuModel& model, int contextLimit)
    : m_model(model), m_c(model.config()), m_contextLimit(contextLimit) {
    m_kv.width = m_c.kvWidth();
    m_kv.layers.resize(static_cast<std::size_t>(m_c.num_hidden_layers));
}

std::size_t CpuSession::kvBytes() const {
    return static_cast<std::size_t>(m_kv.capacity) * static_cast<std::size_t>(m_kv.width) * sizeof(float) *
           m_kv.layers.size();
}

void CpuSession::reserve(int positions) {
    if (positions <= m_kv.capacity) return;
    const int cap = std::min(m_contextLimit, std::max(positions, std::max(256, m_kv.capacity * 2)));
    for (auto& l : m_kv.layers) l.grow(static_cast<std::size_t>(cap) * static_cast<std::size_t>(m_kv.width) * sizeof(float));
    m_kv.capacity = cap;
}

Status CpuSession::prefill(std::span<const TokenId> tokens, int pos0, bool allLogits, std::vector<float>& logits) {
    const int T = static_cast<int>(tokens.size());
    if (T == 0) return Status(Code::InvalidArgument, "no tokens to run");
    if (pos0 != m_kv.size) return Status(Code::Internal, "KV cache position mismatch");
    const std::vector<CpuSession*> owners(static_cast<std::size_t>(T), this);
    std::vector<int> pos(static_cast<std::size_t>(T));
    for (int i = 0; i < T; ++i) pos[static_cast<std::size_t>(i)] = pos0 + i;
    return run(owners, pos, tokens, allLogits ? T : 1, logits);
}

Status CpuModel::decodeBatch(std::span<detail::BackendSession* const> sessions, std::span<const TokenId> tokens,
                             std::vector<float>& logits) const {
    if (sessions.empty() || sessions.size() != tokens.size())
        return Status(Code::InvalidArgument, "decodeBatch: " + std::to_string(sessions.size()) + " sessions and " +
                                                 std::to_string(tokens.size()) + " tokens");
    std::vector<CpuSession*> own;
    std::vector<int> pos;
    own.reserve(sessions.size());
    for (detail::BackendSession* s : sessions) {
        auto* cpu = dynamic_cast<CpuSession*>(s);
        if (!cpu || &cpu->model() != this) return Status(Code::InvalidArgument, "decodeBatch: a session of another model");
        own.push_back(cpu);
        pos.push_back(cpu->cached());
    }
    return CpuSession::run(own, pos, tokens, static_cast<int>(own.size()), logits);
}

// embed → per layer: x += MLA(norm(x)); x += FFN(norm(x)) → norm → lm_head. Every step but attention is row-wise,
// so rows of different sessions share each weight read; attention reads each row's own cache.
Status CpuSession::run(std::span<CpuSession* const> owners, std::span<const int> pos, std::span<const TokenId> tokens,
                       int logitRows, std::vector<float>& logits) {
    const CpuModel& model = owners[0]->m_model;
    const ModelConfig& c = model.config();
    const ModelWeights& w = model.weights();
    const int T = static_cast<int>(owners.size()), H = c.hidden_size;
    const bool batch = T > 1 && owners[1] != owners[0];
    for (std::size_t i = 0; i < owners.size(); ++i) {
        if (pos[i] + 1 > owners[i]->m_contextLimit)
            return Status(Code::OutOfRange, "context limit " + std::to_string(owners[i]->m_contextLimit) +
                                                " tokens exceeded" +
                                                (batch ? " (batch index " + std::to_string(i) + ")" : std::string()));
    }
    try {
        for (std::size_t i = 0; i < owners.size(); ++i) owners[i]->reserve(pos[i] + 1);
        std::vector<float> x(static_cast<std::size_t>(T) * H), h(x.size()), tmp(x.size());
        for (int i = 0; i < T; ++i) w.embed.rowToFloat(tokens[static_cast<std::size_t>(i)], 0, H, x.data() + i * H);
        // A prompt (one session's rows) may be stopped between layers; a decode step is short.
        const std::function<bool()>* interrupted = !batch && T > 1 && owners[0]->m_interrupted ? &owners[0]->m_interrupted : nullptr;
        for (int l = 0; l < c.num_hidden_layers; ++l) {
            if (interrupted && (*interrupted)())
                return Status(Code::Cancelled, "stopped at layer " + std::to_string(l) + " of a " + std::to_string(T) +
                                                   "-token prompt chunk at position " + std::to_string(pos[0]));
            const LayerWeights& L = w.layers[static_cast<std::size_t>(l)];
            rmsNormRows(x.data(), T, H, L.attn_norm.data(), c.rms_norm_eps, h.data());
            attentionRows(model, l, h.data(), owners, pos, tmp.data());
            for (std::size_t i = 0; i < x.size(); ++i) x[i] += tmp[i];
            rmsNormRows(x.data(), T, H, L.ffn_norm.data(), c.rms_norm_eps, h.data());
            model.feedForward(l, h.data(), T, tmp.data());
            for (std::size_t i = 0; i < x.size(); ++i) x[i] += tmp[i];
        }
        const int first = T - logitRows;
        rmsNormRows(x.data() + static_cast<std::size_t>(first) * H, logitRows, H, w.norm.data(), c.rms_norm_eps,
                    h.data());
        logits.resize(static_cast<std::size_t>(logitRows) * static_cast<std::size_t>(c.vocab_size));
        matmul(model.pool(), MatJob{&w.lm_head, h.data(), logitRows, logits.data()});
    } catch (const std::bad_alloc&) {
        std::size_t kv = 0;
        for (std::size_t i = 0; i < owners.size(); ++i)
            if (i == 0 || owners[i] != owners[i - 1]) kv += owners[i]->kvBytes();
        return Status(Code::OutOfMemory,
                      "out of memory running " + std::to_string(T) + (batch ? " sessions' tokens" : " tokens") +
                          " at position " + std::to_string(pos[0]) + " (KV cache " + std::to_string(kv) + " bytes)");
    }
    // Only now: a failure above leaves every cache as it was (rows written past `size` are not counted).
    for (std::size_t i = 0; i < owners.size(); ++i) owners[i]->m_kv.size = std::max(owners[i]->m_kv.size, pos[i] + 1);
    return Status::ok();
}

} // namespace ws::cpu
