// The CPU backend: weights used in place from the mapped files, a float32 latent KV cache per session.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "backend.h"
#include "cpu/page_buffer.h"
#include "cpu/thread_pool.h"
#include "model/safetensors.h"
#include "model/weights.h"
#include "model/yarn.h"

namespace ws::cpu {

class CpuModel final : public detail::BackendModel {
public:
    CpuModel(const ModelConfig& config, TensorStore store, ModelWeights weights, int threads);
    const BackendInfo& describe() const override { return m_info; }
    Result<std::unique_ptr<detail::BackendSession>> newSession(int contextLimit) const override;
    Status decodeBatch(std::span<detail::BackendSession* const> sessions, std::span<const TokenId> tokens,
                       std::vector<float>& logits) const override;

    const ModelConfig& config() const { return m_config; }
    const ModelWeights& weights() const { return m_weights; }
    const RopeParams& rope() const { return m_rope; }
    ThreadPool& pool() const { return m_pool; }
    /// Prompt tokens run in one pass: as many as keep the activations within ~1 GiB, 512 … 4,096.
    int prefillChunk() const { return m_prefillChunk; }
    /// The dense FFN or the MoE block of `layer` on T rows (row-wise: rows may belong to different sessions).
    void feedForward(int layer, const float* h, int T, float* out) const;

private:
    ModelConfig m_config;
    TensorStore m_store; // owns the mappings the weights point into
    ModelWeights m_weights;
    RopeParams m_rope;
    mutable ThreadPool m_pool;
    BackendInfo m_info;
    int m_prefillChunk = 512;
};

/// The latent cache of MLA: per layer [positions, kv_lora_rank + qk_rope_head_dim] float32, the normalised
/// latent c_kv followed by the roped shared key k_pe.
struct KvCache {
    int width = 0;
    int size = 0;     // positions held
    int capacity = 0; // positions allocated
    std::vector<PageBuffer> layers;
    float* at(int layer, int pos) {
        return layers[static_cast<std::size_t>(layer)].floats() + static_cast<std::size_t>(pos) * static_cast<std::size_t>(width);
    }
};

class CpuSession final : public detail::BackendSession {
public:
    CpuSession(const CpuModel& model, int contextLimit);
    Status prefill(std::span<const TokenId> tokens, int pos0, bool allLogits, std::vector<float>& logits) override;
    void truncate(int n) override { m_kv.size = std::min(m_kv.size, n); }
    int prefillChunk() const override { return m_model.prefillChunk(); }
    void setInterrupt(std::function<bool()> interrupted) override { m_interrupted = std::move(interrupted); }
    std::size_t kvBytes() const override;

    const CpuModel& model() const { return m_model; }
    /// Positions the cache holds.
    int cached() const { return m_kv.size; }
    /// The forward pass over rows that may belong to different sessions of one model: row i is owners[i]'s
    /// token at position pos[i] (a prefill: one session, consecutive positions; a decode batch: one row per
    /// session). Writes the logits of the last `logitRows` rows. Each session's cache then holds every position
    /// its rows ran; on failure no cache has changed.
    static Status run(std::span<CpuSession* const> owners, std::span<const int> pos, std::span<const TokenId> tokens,
                      int logitRows, std::vector<float>& logits);

private:
    void reserve(int positions);
    /// MLA for rows that may belong to different sessions: row i is owners[i]'s token at position pos[i].
    static void attentionRows(const CpuModel& model, int layer, const float* h, std::span<CpuSession* const> owners,
                              std::span<const int> pos, float* out);
    /// Absorbed attention for each row over its own session's cache, positions [0, pos[i]].
    static void attentionAbsorbed(const CpuModel& model, int layer, const float* q,
                                  std::span<CpuSession* const> owners, std::span<const int> pos, float* o);
    /// Prefill in the decompressed form, K and V of one head at a time from kv_b_proj or GGUF's attn_k_b + attn_v_b.
    void attentionNaive(int layer, const LayerWeights& L, const float* q, int T, int pos0, float* o);

    const CpuModel& m_model;
    const ModelConfig& m_c;
    int m_contextLimit;
    KvCache m_kv;
    std::function<bool()> m_interrupted; // asked between a prefill's layers
};

} // namespace ws::cpu
