// The CPU forward pass of DeepSeek-V3/V2 (HF modeling_deepseek.py): embed → per layer RMSNorm → MLA → RMSNorm →
// dense FFN | MoE → final norm → lm_head. MLA is in mla.cpp, the FFNs in moe.cpp.
#include <algorithm>
#include <cmath>
#include <new>
#include <thread>

#include "cpu/cpu_backend.h"
#include "cpu/matmul.h"
#include "cpu/ops.h"

namespace ws::cpu {

CpuModel::CpuModel(const ModelConfig& config, TensorStore store, ModelWeights weights, int threads)
    : m_config(config), m_store(std::move(store)), m_weights(std::move(weights)), m_rope(ropeParams(config)),
      m_pool(threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))) {}

std::string CpuModel::name() const { return std::string("cpu (") + kernelName() + ")"; }

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
    for (auto& l : m_kv.layers) l.resize(static_cast<std::size_t>(cap) * static_cast<std::size_t>(m_kv.width));
    m_kv.capacity = cap;
}

Status CpuSession::forward(std::span<const TokenId> tokens, int pos0, bool allLogits, std::vector<float>& logits) {
    const ModelConfig& c = m_c;
    const ModelWeights& w = m_model.weights();
    const int T = static_cast<int>(tokens.size()), H = c.hidden_size;
    if (T == 0) return Status(Code::InvalidArgument, "no tokens to run");
    if (pos0 != m_kv.size) return Status(Code::Internal, "KV cache position mismatch");
    if (pos0 + T > m_contextLimit)
        return Status(Code::OutOfRange, "context limit " + std::to_string(m_contextLimit) + " tokens exceeded");
    try {
        reserve(pos0 + T);
        std::vector<float> x(static_cast<std::size_t>(T) * H), h(x.size()), tmp(x.size());
        for (int i = 0; i < T; ++i) w.embed.rowToFloat(tokens[static_cast<std::size_t>(i)], 0, H, x.data() + i * H);
        for (int l = 0; l < c.num_hidden_layers; ++l) {
            const LayerWeights& L = w.layers[static_cast<std::size_t>(l)];
            rmsNormRows(x.data(), T, H, L.attn_norm.data(), c.rms_norm_eps, h.data());
            attention(l, h.data(), T, pos0, tmp.data());
            for (std::size_t i = 0; i < x.size(); ++i) x[i] += tmp[i];
            rmsNormRows(x.data(), T, H, L.ffn_norm.data(), c.rms_norm_eps, h.data());
            feedForward(l, h.data(), T, tmp.data());
            for (std::size_t i = 0; i < x.size(); ++i) x[i] += tmp[i];
        }
        m_kv.size = pos0 + T;
        const int first = allLogits ? 0 : T - 1, rows = T - first;
        rmsNormRows(x.data() + first * H, rows, H, w.norm.data(), c.rms_norm_eps, h.data());
        logits.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(c.vocab_size));
        matmul(m_model.pool(), MatJob{&w.lm_head, h.data(), rows, logits.data()});
    } catch (const std::bad_alloc&) {
        m_kv.size = std::min(m_kv.size, pos0);
        return Status(Code::OutOfMemory, "out of memory running " + std::to_string(T) + " tokens at position " +
                                             std::to_string(pos0) + " (KV cache " + std::to_string(kvBytes()) +
                                             " bytes)");
    }
    return Status::ok();
}

Status CpuModel::decodeBatch(std::span<detail::BackendSession* const> sessions, std::span<const TokenId> tokens,
                             std::vector<float>& logits) const {
    if (sessions.empty() || sessions.size() != tokens.size())
        return Status(Code::InvalidArgument, "decodeBatch: " + std::to_string(sessions.size()) + " sessions and " +
                                                 std::to_string(tokens.size()) + " tokens");
    std::vector<CpuSession*> own;
    own.reserve(sessions.size());
    for (detail::BackendSession* s : sessions) {
        auto* cpu = dynamic_cast<CpuSession*>(s);
        if (!cpu || &cpu->model() != this) return Status(Code::InvalidArgument, "decodeBatch: a session of another model");
        own.push_back(cpu);
    }
    return CpuSession::decodeBatch(own, tokens, logits);
}

// The forward pass above with one row per session: every step but attention is row-wise, so the batch shares each
// weight read; attention reads each row's own cache.
Status CpuSession::decodeBatch(std::span<CpuSession* const> sessions, std::span<const TokenId> tokens,
                               std::vector<float>& logits) {
    const CpuModel& model = sessions[0]->m_model;
    const ModelConfig& c = model.config();
    const ModelWeights& w = model.weights();
    const int B = static_cast<int>(sessions.size()), H = c.hidden_size;
    std::vector<int> pos(sessions.size());
    for (std::size_t i = 0; i < sessions.size(); ++i) {
        pos[i] = sessions[i]->m_kv.size;
        if (pos[i] + 1 > sessions[i]->m_contextLimit)
            return Status(Code::OutOfRange, "context limit " + std::to_string(sessions[i]->m_contextLimit) +
                                                " tokens exceeded (batch index " + std::to_string(i) + ")");
    }
    try {
        for (std::size_t i = 0; i < sessions.size(); ++i) sessions[i]->reserve(pos[i] + 1);
        std::vector<float> x(static_cast<std::size_t>(B) * H), h(x.size()), tmp(x.size());
        for (int i = 0; i < B; ++i) w.embed.rowToFloat(tokens[static_cast<std::size_t>(i)], 0, H, x.data() + i * H);
        for (int l = 0; l < c.num_hidden_layers; ++l) {
            const LayerWeights& L = w.layers[static_cast<std::size_t>(l)];
            rmsNormRows(x.data(), B, H, L.attn_norm.data(), c.rms_norm_eps, h.data());
            attentionRows(model, l, h.data(), sessions, pos, tmp.data());
            for (std::size_t i = 0; i < x.size(); ++i) x[i] += tmp[i];
            rmsNormRows(x.data(), B, H, L.ffn_norm.data(), c.rms_norm_eps, h.data());
            sessions[0]->feedForward(l, h.data(), B, tmp.data()); // row-wise: any session's view of the model
            for (std::size_t i = 0; i < x.size(); ++i) x[i] += tmp[i];
        }
        rmsNormRows(x.data(), B, H, w.norm.data(), c.rms_norm_eps, h.data());
        logits.resize(static_cast<std::size_t>(B) * static_cast<std::size_t>(c.vocab_size));
        matmul(model.pool(), MatJob{&w.lm_head, h.data(), B, logits.data()});
    } catch (const std::bad_alloc&) {
        return Status(Code::OutOfMemory, "out of memory running a decode batch of " + std::to_string(B) + " sessions");
    }
    // Only now: a failure above leaves every cache as it was (the rows written past `size` are not counted).
    for (std::size_t i = 0; i < sessions.size(); ++i) sessions[i]->m_kv.size = pos[i] + 1;
    return Status::ok();
}

} // namespace ws::cpu
