// The CUDA forward pass of DeepSeek-V3/V2 over the decode kernels (kernels/): the same steps, in the same order, as
// the CPU's engine/cpu/forward.cpp, with absorbed MLA over a BF16 latent cache for every row (a prefill runs its
// rows through the same path, 16 at a time, each attending to the positions up to its own).
#include "cuda/cuda_model.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "cuda/kernels/forward_steps.cuh"
#include "cuda/kernels/kernels.cuh"
#include "model/yarn.h"
#ifdef WS_CUDA_EMU
#include "cuda/emu/cuda_emu_runtime.h"
#endif

namespace ws::cuda {
namespace {

using u64 = std::uint64_t;

/// A failed CUDA call as a Status naming the call and what it was for (tensor, layer, step).
Status cudaFailure(cudaError_t e, const char* expr, const std::string& where) {
    std::string call(expr);
    call = call.substr(0, call.find('('));
    return Status(e == cudaErrorMemoryAllocation ? Code::OutOfMemory : Code::Internal,
                  call + " failed: " + cudaGetErrorString(e) + " (" + where + ")");
}

#define WS_CUDA_TRY(expr, where)                                                                                   \
    do {                                                                                                           \
        if (const cudaError_t wsErr = (expr); wsErr != cudaSuccess) return cudaFailure(wsErr, #expr, (where));   \
    } while (0)

constexpr int kRows = kMaxGemvTokens; // rows per pass

std::size_t roundUp(std::size_t n, std::size_t m) { return (n + m - 1) / m * m; }

/// Device allocations of one owner, freed together.
class DeviceMemory {
public:
    DeviceMemory() = default;
    DeviceMemory(const DeviceMemory&) = delete;
    DeviceMemory& operator=(const DeviceMemory&) = delete;
    ~DeviceMemory() {
        for (void* p : m_blocks) static_cast<void>(cudaFree(p));
    }
    template <class T> Status alloc(T** p, std::size_t bytes, const std::string& what) {
        void* raw = nullptr;
        if (const cudaError_t e = cudaMalloc(&raw, std::max<std::size_t>(bytes, 16)); e != cudaSuccess)
            return cudaFailure(e, "cudaMalloc", what + ", " + std::to_string(bytes) + " bytes");
        m_blocks.push_back(raw);
        *p = static_cast<T*>(raw);
        return Status::ok();
    }
    u64 uploaded = 0; ///< weight bytes uploaded

private:
    std::vector<void*> m_blocks;
};

struct Layer {
    float* attnNorm = nullptr; // [hidden]
    float* qaNorm = nullptr;   // [q_lora_rank]
    float* kvaNorm = nullptr;  // [kv_lora_rank]
    float* ffnNorm = nullptr;  // [hidden]
    DeviceMatrix qa;           // [q_lora_rank, hidden]
    DeviceMatrix qb;           // [nh * (nope + rope), q_lora_rank | hidden]
    DeviceMatrix kva;          // [kv_lora_rank + rope, hidden]
    DeviceMatrix kvb;          // [nh * (nope + v), kv_lora_rank]
    DeviceMatrix o;            // [hidden, nh * v]
    bool moe = false;
    DeviceMatrix gate, up, down;              // dense FFN: [ffn, hidden] ×2, [hidden, ffn]
    DeviceMatrix router;                      // [n_routed, hidden]
    float* routerBias = nullptr;              // [n_routed] or null
    MoeWeights eGate, eUp, eDown;             // routed experts
    bool shared = false;
    DeviceMatrix sGate, sUp, sDown;           // shared experts
};

/// Activations of one pass of up to kRows rows.
struct Work {
    float *x, *h, *tmp;  // [rows, hidden]
    float *qa, *q, *kva; // [rows, q_lora_rank], [rows, nh, nope + rope], [rows, kv_lora_rank + rope]
    float *qlat, *qpe;   // [rows, nh, kv_lora_rank], [rows, nh, rope]
    float *olat, *o;     // [rows, nh, kv_lora_rank], [rows, nh * v]
    float *g, *u;        // [rows, max(ffn, shared ffn)]
    float *rlog, *rw;    // [rows, n_routed], [rows, k]
    float *ge, *ue, *de; // [rows * k, moe ffn] ×2, [rows * k, hidden]
    float* logits;       // [rows, vocab]
    int *tokens, *pos, *len, *experts, *tokenOfPair, *pairIndex; // [rows], …, [rows * k] ×3
    __nv_bfloat16** cache; // [layers, rows]: each row's cache of each layer
    void* mla = nullptr;
    std::size_t mlaBytes = 0;
};

class CudaSession;

class CudaModel final : public detail::BackendModel {
public:
    CudaModel(const ModelConfig& c, const GpuInfo& gpu) : m_c(c), m_rope(ropeParams(c)), m_gpu(gpu.index) {
        m_info.name = "cuda (" + gpu.name + ")";
        m_info.device = "cuda:" + std::to_string(gpu.index);
        m_info.kvType = "bf16";
        m_info.kvBytesPerToken = static_cast<u64>(c.kvWidth()) * 2 * static_cast<u64>(c.num_hidden_layers);
    }
    ~CudaModel() override {
        if (m_stream) static_cast<void>(cudaStreamDestroy(m_stream));
    }
    Status init(const ModelWeights& w);

    const BackendInfo& describe() const override { return m_info; }
    Result<std::unique_ptr<detail::BackendSession>> newSession(int contextLimit) const override;
    Status decodeBatch(std::span<detail::BackendSession* const> sessions, std::span<const TokenId> tokens,
                       std::vector<float>& logits) const override;
    /// Rows that may belong to different sessions: row i is owners[i]'s token at position pos[i]; the logits of
    /// the last `logitRows` rows. Each cache then holds the positions its rows ran; on failure none has changed.
    Status run(std::span<CudaSession* const> owners, std::span<const int> pos, std::span<const TokenId> tokens,
               int logitRows, std::vector<float>& logits) const;
    const ModelConfig& config() const { return m_c; }
    int gpu() const { return m_gpu; }

private:
    Status upload(const Matrix& m, DeviceMatrix& d);
    Status uploadExperts(const std::vector<ExpertWeights>& experts, const Matrix ExpertWeights::*which,
                         MoeWeights& d, const std::string& what);
    Status uploadFloats(const std::vector<float>& v, float*& d, const std::string& what);
    Status pass(int B, int maxLen, int logitFirst, int logitCount, float* logitsOut) const;
    Status layer(int l, int B, int maxLen) const;

    ModelConfig m_c;
    RopeParams m_rope;
    int m_gpu;
    BackendInfo m_info;
    DeviceMemory m_mem;
    cudaStream_t m_stream = nullptr;
    DeviceMatrix m_embed, m_lmHead;
    float* m_norm = nullptr;
    double* m_invFreq = nullptr; // [rope / 2]
    std::vector<Layer> m_layers;
    Work m_w{};
    mutable std::mutex m_mutex; // one pass at a time: the activations are shared
};

class CudaSession final : public detail::BackendSession {
public:
    CudaSession(const CudaModel& model, int limit) : m_model(model), m_limit(limit) {}
    ~CudaSession() override {
        if (m_base) static_cast<void>(cudaFree(m_base));
    }
    Status prefill(std::span<const TokenId> tokens, int pos0, bool allLogits, std::vector<float>& logits) override {
        const int T = static_cast<int>(tokens.size());
        if (T == 0) return Status(Code::InvalidArgument, "no tokens to run");
        if (pos0 != m_size) return Status(Code::Internal, "KV cache position mismatch");
        const std::vector<CudaSession*> owners(static_cast<std::size_t>(T), this);
        std::vector<int> pos(static_cast<std::size_t>(T));
        for (int i = 0; i < T; ++i) pos[static_cast<std::size_t>(i)] = pos0 + i;
        return m_model.run(owners, pos, tokens, allLogits ? T : 1, logits);
    }
    void truncate(int n) override { m_size = std::min(m_size, n); }
    std::size_t kvBytes() const override { return static_cast<std::size_t>(m_capacity) * rowBytes(); }

    const CudaModel& model() const { return m_model; }
    int cached() const { return m_size; }
    int limit() const { return m_limit; }
    void advance(int positions) { m_size = std::max(m_size, positions); }
    /// Layer l's cache: [capacity, kv_lora_rank + rope] BF16.
    __nv_bfloat16* layerCache(int l) const {
        return m_base + static_cast<std::size_t>(l) * static_cast<std::size_t>(m_capacity) *
                            static_cast<std::size_t>(m_model.config().kvWidth());
    }
    /// Room for `positions`, growing by doubling (the cached positions are copied over).
    Status reserve(int positions) {
        if (positions <= m_capacity) return Status::ok();
        const int cap = std::min(m_limit, std::max(positions, std::max(256, m_capacity * 2)));
        const ModelConfig& c = m_model.config();
        const std::size_t W = static_cast<std::size_t>(c.kvWidth()) * sizeof(__nv_bfloat16);
        __nv_bfloat16* grown = nullptr;
        const std::size_t bytes = static_cast<std::size_t>(cap) * W * static_cast<std::size_t>(c.num_hidden_layers);
        WS_CUDA_TRY(cudaMalloc(&grown, bytes), "KV cache of " + std::to_string(cap) + " positions, " +
                                                    std::to_string(bytes) + " bytes");
        if (m_base) {
            for (int l = 0; l < c.num_hidden_layers; ++l) {
                const cudaError_t e = cudaMemcpy(grown + static_cast<std::size_t>(l) * cap * c.kvWidth(), layerCache(l),
                                                 static_cast<std::size_t>(m_size) * W, cudaMemcpyDeviceToDevice);
                if (e != cudaSuccess) {
                    static_cast<void>(cudaFree(grown));
                    return cudaFailure(e, "cudaMemcpy", "growing the KV cache, layer " + std::to_string(l));
                }
            }
            static_cast<void>(cudaFree(m_base));
        }
        m_base = grown;
        m_capacity = cap;
        return Status::ok();
    }

private:
    std::size_t rowBytes() const {
        return static_cast<std::size_t>(m_model.config().kvWidth()) * sizeof(__nv_bfloat16) *
               static_cast<std::size_t>(m_model.config().num_hidden_layers);
    }
    const CudaModel& m_model;
    int m_limit;
    int m_size = 0;
    int m_capacity = 0;
    __nv_bfloat16* m_base = nullptr;
};

Status CudaModel::uploadFloats(const std::vector<float>& v, float*& d, const std::string& what) {
    if (v.empty()) return Status::ok();
    WS_TRY(m_mem.alloc(&d, v.size() * sizeof(float), what));
    WS_CUDA_TRY(cudaMemcpy(d, v.data(), v.size() * sizeof(float), cudaMemcpyHostToDevice), what);
    return Status::ok();
}

// As stored: rows padded to 16 bytes, FP8 with its block scales (a row of scales padded to 4 floats).
Status CudaModel::upload(const Matrix& m, DeviceMatrix& d) {
    switch (m.dtype) {
    case DType::F32: d.type = WeightType::F32; break;
    case DType::F16: d.type = WeightType::F16; break;
    case DType::BF16: d.type = WeightType::BF16; break;
    case DType::F8_E4M3: d.type = WeightType::FP8E4M3; break;
    default:
        return Status(Code::Unsupported, m.name + ": " + std::string(dtypeName(m.dtype)) +
                                             " weights (GGUF block quantisation) do not run on the CUDA backend yet");
    }
    if (d.type == WeightType::FP8E4M3 && (m.blockRows != kFp8Block || m.blockCols != kFp8Block || !m.scale))
        return Status(Code::Unsupported, m.name + ": FP8 blocks of " + std::to_string(m.blockRows) + "×" +
                                             std::to_string(m.blockCols) + "; the CUDA backend takes 128×128");
    const std::size_t size = static_cast<std::size_t>(weightTypeSize(d.type));
    d.rows = m.rows;
    d.cols = m.cols;
    d.ld = static_cast<int>(roundUp(static_cast<std::size_t>(m.cols), 16 / size));
    const std::size_t ldBytes = static_cast<std::size_t>(d.ld) * size;
    void* data = nullptr;
    WS_TRY(m_mem.alloc(&data, ldBytes * static_cast<std::size_t>(m.rows), m.name));
    // Uploads use the synchronous calls of the legacy stream (the compute stream is non-blocking, and would not wait
    // for them): the padding is cleared before the rows land on it.
    if (ldBytes != m.rowBytes()) WS_CUDA_TRY(cudaMemset(data, 0, ldBytes * static_cast<std::size_t>(m.rows)), m.name);
    WS_CUDA_TRY(cudaMemcpy2D(data, ldBytes, m.data, m.rowBytes(), m.rowBytes(), static_cast<std::size_t>(m.rows),
                             cudaMemcpyHostToDevice),
                m.name);
    d.data = data;
    m_mem.uploaded += ldBytes * static_cast<std::size_t>(m.rows);
    if (d.type == WeightType::FP8E4M3) {
        const std::size_t br = (static_cast<std::size_t>(m.rows) + 127) / 128, bc = (static_cast<std::size_t>(m.cols) + 127) / 128;
        d.scaleLd = static_cast<int>(roundUp(bc, 4));
        float* scale = nullptr;
        WS_TRY(m_mem.alloc(&scale, br * static_cast<std::size_t>(d.scaleLd) * sizeof(float), m.name + " scales"));
        WS_CUDA_TRY(cudaMemset(scale, 0, br * static_cast<std::size_t>(d.scaleLd) * sizeof(float)), m.name + " scales");
        WS_CUDA_TRY(cudaMemcpy2D(scale, static_cast<std::size_t>(d.scaleLd) * sizeof(float), m.scale, bc * sizeof(float),
                                 bc * sizeof(float), br, cudaMemcpyHostToDevice),
                    m.name + " scales");
        d.scale = scale;
    }
    return Status::ok();
}

Status CudaModel::uploadExperts(const std::vector<ExpertWeights>& experts, const Matrix ExpertWeights::*which,
                                MoeWeights& d, const std::string& what) {
    std::vector<const void*> data;
    std::vector<const float*> scales;
    DeviceMatrix first;
    for (const ExpertWeights& e : experts) {
        DeviceMatrix m;
        WS_TRY(upload(e.*which, m));
        if (data.empty()) first = m;
        if (m.type != first.type || m.rows != first.rows || m.cols != first.cols)
            return Status(Code::Unsupported, (e.*which).name + ": experts of one layer differ in type or shape");
        data.push_back(m.data);
        scales.push_back(m.scale);
    }
    d.type = first.type;
    d.rows = first.rows;
    d.cols = first.cols;
    d.ld = first.ld;
    d.scaleLd = first.scaleLd;
    d.nExperts = static_cast<int>(experts.size());
    const void** dd = nullptr;
    WS_TRY(m_mem.alloc(&dd, data.size() * sizeof(void*), what + " pointers"));
    WS_CUDA_TRY(cudaMemcpy(dd, data.data(), data.size() * sizeof(void*), cudaMemcpyHostToDevice), what);
    d.data = dd;
    if (d.type == WeightType::FP8E4M3) {
        const float** ds = nullptr;
        WS_TRY(m_mem.alloc(&ds, scales.size() * sizeof(float*), what + " scale pointers"));
        WS_CUDA_TRY(cudaMemcpy(ds, scales.data(), scales.size() * sizeof(float*), cudaMemcpyHostToDevice), what);
        d.scale = ds;
    }
    return Status::ok();
}

Status CudaModel::init(const ModelWeights& w) {
    const ModelConfig& c = m_c;
    // Activation widths the kernels take as 16-byte-aligned rows.
    const std::pair<const char*, int> widths[] = {
        {"hidden_size", c.hidden_size},       {"q_lora_rank", c.q_lora_rank},
        {"kv_lora_rank", c.kv_lora_rank},     {"qk_rope_head_dim", c.qk_rope_head_dim},
        {"v_head_dim", c.v_head_dim},         {"qk_nope_head_dim", c.qk_nope_head_dim},
        {"intermediate_size", c.intermediate_size}, {"moe_intermediate_size", c.moe_intermediate_size}};
    for (const auto& [field, v] : widths)
        if (v % 4 != 0) return Status(Code::Unsupported, std::string("config.json ") + field + " = " + std::to_string(v) + " is not a multiple of 4, which the CUDA backend needs");
    if (c.kv_lora_rank % 8 != 0 || c.qk_rope_head_dim % 8 != 0 || c.kv_lora_rank > kMlaMaxLatent ||
        c.qk_rope_head_dim > kMlaMaxRope)
        return Status(Code::Unsupported, "kv_lora_rank " + std::to_string(c.kv_lora_rank) + " / qk_rope_head_dim " +
                                             std::to_string(c.qk_rope_head_dim) +
                                             ": the CUDA MLA kernels take multiples of 8 up to 512 / 64");
    if (c.n_routed_experts > kMaxRouterExperts || c.n_group > kMaxRouterGroups)
        return Status(Code::Unsupported, "n_routed_experts " + std::to_string(c.n_routed_experts) + " / n_group " +
                                             std::to_string(c.n_group) + ": more than the CUDA router takes");

    WS_CUDA_TRY(cudaSetDevice(m_gpu), "GPU " + std::to_string(m_gpu));
    WS_CUDA_TRY(cudaStreamCreateWithFlags(&m_stream, cudaStreamNonBlocking), "GPU " + std::to_string(m_gpu));
    WS_CUDA_TRY(prepareKernels(), "GPU " + std::to_string(m_gpu));

    WS_TRY(upload(w.embed, m_embed));
    WS_TRY(upload(w.lm_head, m_lmHead));
    WS_TRY(uploadFloats(w.norm, m_norm, "model.norm.weight"));
    std::vector<double> invFreq(m_rope.invFreq.begin(), m_rope.invFreq.end());
    WS_TRY(m_mem.alloc(&m_invFreq, invFreq.size() * sizeof(double) + 8, "RoPE frequencies"));
    WS_CUDA_TRY(cudaMemcpy(m_invFreq, invFreq.data(), invFreq.size() * sizeof(double), cudaMemcpyHostToDevice),
                "RoPE frequencies");
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const LayerWeights& L = w.layers[l];
        const std::string p = "model.layers." + std::to_string(l) + ".";
        Layer d;
        WS_TRY(uploadFloats(L.attn_norm, d.attnNorm, p + "input_layernorm.weight"));
        WS_TRY(uploadFloats(L.q_a_norm, d.qaNorm, p + "self_attn.q_a_layernorm.weight"));
        WS_TRY(uploadFloats(L.kv_a_norm, d.kvaNorm, p + "self_attn.kv_a_layernorm.weight"));
        WS_TRY(uploadFloats(L.ffn_norm, d.ffnNorm, p + "post_attention_layernorm.weight"));
        if (c.q_lora_rank > 0) WS_TRY(upload(L.q_a, d.qa));
        WS_TRY(upload(L.q_b, d.qb));
        WS_TRY(upload(L.kv_a, d.kva));
        if (!L.kv_b.data)
            return Status(Code::Unsupported, "layer " + std::to_string(l) +
                                                 ": the split attn_k_b/attn_v_b layout (GGUF) does not run on the CUDA backend yet");
        WS_TRY(upload(L.kv_b, d.kvb));
        WS_TRY(upload(L.o, d.o));
        d.moe = L.moe;
        if (!L.moe) {
            WS_TRY(upload(L.dense.gate, d.gate));
            WS_TRY(upload(L.dense.up, d.up));
            WS_TRY(upload(L.dense.down, d.down));
        } else {
            WS_TRY(upload(L.router, d.router));
            WS_TRY(uploadFloats(L.router_bias, d.routerBias, p + "mlp.gate.e_score_correction_bias"));
            WS_TRY(uploadExperts(L.experts, &ExpertWeights::gate, d.eGate, p + "mlp.experts.*.gate_proj"));
            WS_TRY(uploadExperts(L.experts, &ExpertWeights::up, d.eUp, p + "mlp.experts.*.up_proj"));
            WS_TRY(uploadExperts(L.experts, &ExpertWeights::down, d.eDown, p + "mlp.experts.*.down_proj"));
            d.shared = L.shared.gate.rows > 0;
            if (d.shared) {
                WS_TRY(upload(L.shared.gate, d.sGate));
                WS_TRY(upload(L.shared.up, d.sUp));
                WS_TRY(upload(L.shared.down, d.sDown));
            }
        }
        m_layers.push_back(d);
    }

    // The activations of one pass.
    const std::size_t R = kRows, H = static_cast<std::size_t>(c.hidden_size), nh = static_cast<std::size_t>(c.num_attention_heads);
    const std::size_t k = static_cast<std::size_t>(std::max(c.num_experts_per_tok, 1));
    const std::size_t ffn = static_cast<std::size_t>(std::max(c.intermediate_size, c.moe_intermediate_size * c.n_shared_experts));
    const std::size_t f = sizeof(float);
    Work& a = m_w;
    const auto buf = [&](float** p, std::size_t floats, const char* what) {
        return m_mem.alloc(p, floats * f, std::string("activations: ") + what);
    };
    WS_TRY(buf(&a.x, R * H, "x"));
    WS_TRY(buf(&a.h, R * H, "h"));
    WS_TRY(buf(&a.tmp, R * H, "tmp"));
    WS_TRY(buf(&a.qa, R * static_cast<std::size_t>(std::max(c.q_lora_rank, 1)), "q_a"));
    WS_TRY(buf(&a.q, R * nh * static_cast<std::size_t>(c.qkHeadDim()), "q"));
    WS_TRY(buf(&a.kva, R * static_cast<std::size_t>(c.kvWidth()), "kv_a"));
    WS_TRY(buf(&a.qlat, R * nh * static_cast<std::size_t>(c.kv_lora_rank), "q latent"));
    WS_TRY(buf(&a.qpe, R * nh * static_cast<std::size_t>(c.qk_rope_head_dim), "q_pe"));
    WS_TRY(buf(&a.olat, R * nh * static_cast<std::size_t>(c.kv_lora_rank), "o latent"));
    WS_TRY(buf(&a.o, R * nh * static_cast<std::size_t>(c.v_head_dim), "o"));
    WS_TRY(buf(&a.g, R * ffn, "gate"));
    WS_TRY(buf(&a.u, R * ffn, "up"));
    WS_TRY(buf(&a.rlog, R * static_cast<std::size_t>(std::max(c.n_routed_experts, 1)), "router logits"));
    WS_TRY(buf(&a.rw, R * k, "router weights"));
    WS_TRY(buf(&a.ge, R * k * static_cast<std::size_t>(std::max(c.moe_intermediate_size, 1)), "expert gate"));
    WS_TRY(buf(&a.ue, R * k * static_cast<std::size_t>(std::max(c.moe_intermediate_size, 1)), "expert up"));
    WS_TRY(buf(&a.de, R * k * H, "expert down"));
    WS_TRY(buf(&a.logits, R * static_cast<std::size_t>(c.vocab_size), "logits"));
    const auto ints = [&](int** p, std::size_t n, const char* what) {
        return m_mem.alloc(p, n * sizeof(int), std::string("indices: ") + what);
    };
    WS_TRY(ints(&a.tokens, R, "tokens"));
    WS_TRY(ints(&a.pos, R, "positions"));
    WS_TRY(ints(&a.len, R, "lengths"));
    WS_TRY(ints(&a.experts, R * k, "experts"));
    WS_TRY(ints(&a.tokenOfPair, R * k, "token of pair"));
    WS_TRY(ints(&a.pairIndex, R * k, "pair index"));
    std::vector<int> tokenOfPair(R * k), pairIndex(R * k);
    for (std::size_t i = 0; i < R * k; ++i) {
        tokenOfPair[i] = static_cast<int>(i / k);
        pairIndex[i] = static_cast<int>(i);
    }
    WS_CUDA_TRY(cudaMemcpy(a.tokenOfPair, tokenOfPair.data(), R * k * sizeof(int), cudaMemcpyHostToDevice), "indices");
    WS_CUDA_TRY(cudaMemcpy(a.pairIndex, pairIndex.data(), R * k * sizeof(int), cudaMemcpyHostToDevice), "indices");
    WS_TRY(m_mem.alloc(&a.cache, static_cast<std::size_t>(c.num_hidden_layers) * R * sizeof(void*), "cache pointers"));
    a.mlaBytes = mlaDecodeWorkspaceBytes(kRows, c.num_attention_heads, c.kv_lora_rank, c.max_position_embeddings);
    if (a.mlaBytes) WS_TRY(m_mem.alloc(&a.mla, a.mlaBytes, "MLA split workspace"));
    WS_CUDA_TRY(cudaStreamSynchronize(m_stream), "uploading the weights");
    return Status::ok();
}

Result<std::unique_ptr<detail::BackendSession>> CudaModel::newSession(int contextLimit) const {
    return std::unique_ptr<detail::BackendSession>(new CudaSession(*this, contextLimit));
}

Status CudaModel::decodeBatch(std::span<detail::BackendSession* const> sessions, std::span<const TokenId> tokens,
                              std::vector<float>& logits) const {
    if (sessions.empty() || sessions.size() != tokens.size())
        return Status(Code::InvalidArgument, "decodeBatch: " + std::to_string(sessions.size()) + " sessions and " +
                                                 std::to_string(tokens.size()) + " tokens");
    std::vector<CudaSession*> own;
    std::vector<int> pos;
    for (detail::BackendSession* s : sessions) {
        auto* cs = dynamic_cast<CudaSession*>(s);
        if (!cs || &cs->model() != this) return Status(Code::InvalidArgument, "decodeBatch: a session of another model");
        own.push_back(cs);
        pos.push_back(cs->cached());
    }
    return run(own, pos, tokens, static_cast<int>(own.size()), logits);
}

// One transformer block on the B rows in m_w.x (pre-normed into m_w.h by the caller); output in m_w.tmp.
Status CudaModel::layer(int l, int B, int maxLen) const {
    const ModelConfig& c = m_c;
    const Layer& L = m_layers[static_cast<std::size_t>(l)];
    const Work& a = m_w;
    const cudaStream_t s = m_stream;
    const int H = c.hidden_size, nh = c.num_attention_heads, dn = c.qk_nope_head_dim, dr = c.qk_rope_head_dim;
    const int dv = c.v_head_dim, R = c.kv_lora_rank, kvW = c.kvWidth(), dq = c.qkHeadDim();
    const float eps = static_cast<float>(c.rms_norm_eps);
    const std::string at = "layer " + std::to_string(l);
    __nv_bfloat16* const* cache = a.cache + static_cast<std::size_t>(l) * kRows;

    // MLA: q = q_b(norm(q_a(h))) | q_proj(h); the latent and roped key appended to each row's cache; absorbed
    // attention over it; o_proj(W_UV · Σ softmax · c).
    if (c.q_lora_rank > 0) {
        WS_CUDA_TRY(gemv(L.qa, a.h, H, B, a.qa, c.q_lora_rank, s), at + " q_a_proj");
        WS_CUDA_TRY(rmsNorm(a.qa, nullptr, B, c.q_lora_rank, L.qaNorm, eps, a.qa, s), at + " q_a_layernorm");
        WS_CUDA_TRY(gemv(L.qb, a.qa, c.q_lora_rank, B, a.q, nh * dq, s), at + " q_b_proj");
    } else {
        WS_CUDA_TRY(gemv(L.qb, a.h, H, B, a.q, nh * dq, s), at + " q_proj");
    }
    WS_CUDA_TRY(gemv(L.kva, a.h, H, B, a.kva, kvW, s), at + " kv_a_proj_with_mqa");
    WS_CUDA_TRY(mlaAppendKv(a.kva, kvW, B, R, dr, L.kvaNorm, eps, a.pos, m_invFreq, m_rope.cosSinScale, cache, s),
                at + " KV cache append");
    WS_CUDA_TRY(mlaAbsorbQuery(a.q, L.kvb, B, nh, dn, dr, dv, a.qlat, a.qpe, s), at + " W_UK absorb");
    WS_CUDA_TRY(ropeInterleaved(a.qpe, B, nh, nh * dr, dr, dr, a.pos, m_invFreq, m_rope.cosSinScale, s), at + " q rope");
    WS_CUDA_TRY(mlaDecode(a.qlat, a.qpe, cache, a.len, B, maxLen, nh, R, dr, static_cast<float>(m_rope.softmaxScale),
                          a.olat, a.mla, a.mlaBytes, 0, s),
                at + " MLA attention");
    WS_CUDA_TRY(mlaValueOut(a.olat, L.kvb, B, nh, dn, dv, a.o, s), at + " W_UV");
    WS_CUDA_TRY(gemv(L.o, a.o, nh * dv, B, a.tmp, H, s), at + " o_proj");

    // x += attention; h = norm(x); then the FFN of h into tmp.
    WS_CUDA_TRY(rmsNorm(a.x, a.tmp, B, H, L.ffnNorm, eps, a.h, s), at + " post_attention_layernorm");
    if (!L.moe) {
        const int F = L.gate.rows;
        WS_CUDA_TRY(gemv(L.gate, a.h, H, B, a.g, F, s), at + " gate_proj");
        WS_CUDA_TRY(gemv(L.up, a.h, H, B, a.u, F, s), at + " up_proj");
        WS_CUDA_TRY(siluMul(a.g, a.u, static_cast<std::int64_t>(B) * F, s), at + " silu·up");
        WS_CUDA_TRY(gemv(L.down, a.g, F, B, a.tmp, H, s), at + " down_proj");
        return Status::ok();
    }
    const int E = c.n_routed_experts, k = c.num_experts_per_tok, M = c.moe_intermediate_size;
    RouterParams rp;
    rp.nExperts = E;
    rp.k = k;
    rp.nGroup = c.n_group;
    rp.topkGroup = c.topk_group;
    rp.scoring = c.scoring_func == ScoringFunc::Sigmoid ? RouterScoring::Sigmoid : RouterScoring::Softmax;
    switch (c.topk_method) {
    case TopkMethod::NoauxTc: rp.method = RouterTopk::NoauxTc; break;
    case TopkMethod::Greedy: rp.method = RouterTopk::Greedy; break;
    case TopkMethod::GroupLimitedGreedy: rp.method = RouterTopk::GroupLimitedGreedy; break;
    }
    rp.normTopkProb = c.norm_topk_prob;
    rp.isV3 = c.isV3();
    rp.routedScalingFactor = static_cast<float>(c.routed_scaling_factor);
    WS_CUDA_TRY(gemv(L.router, a.h, H, B, a.rlog, E, s), at + " mlp.gate");
    WS_CUDA_TRY(route(a.rlog, E, L.routerBias, B, rp, a.experts, a.rw, s), at + " routing");
    const int pairs = B * k;
    WS_CUDA_TRY(moeGemv(L.eGate, a.experts, a.tokenOfPair, pairs, B, a.h, H, a.ge, M, s), at + " experts gate_proj");
    WS_CUDA_TRY(moeGemv(L.eUp, a.experts, a.tokenOfPair, pairs, B, a.h, H, a.ue, M, s), at + " experts up_proj");
    WS_CUDA_TRY(siluMul(a.ge, a.ue, static_cast<std::int64_t>(pairs) * M, s), at + " experts silu·up");
    WS_CUDA_TRY(moeGemv(L.eDown, a.experts, a.pairIndex, pairs, pairs, a.ge, M, a.de, H, s), at + " experts down_proj");
    if (L.shared) {
        const int F = L.sGate.rows;
        WS_CUDA_TRY(gemv(L.sGate, a.h, H, B, a.g, F, s), at + " shared_experts gate_proj");
        WS_CUDA_TRY(gemv(L.sUp, a.h, H, B, a.u, F, s), at + " shared_experts up_proj");
        WS_CUDA_TRY(siluMul(a.g, a.u, static_cast<std::int64_t>(B) * F, s), at + " shared_experts silu·up");
        WS_CUDA_TRY(gemv(L.sDown, a.g, F, B, a.tmp, H, s), at + " shared_experts down_proj");
    } else {
        WS_CUDA_TRY(cudaMemsetAsync(a.tmp, 0, static_cast<std::size_t>(B) * H * sizeof(float), s), at);
    }
    WS_CUDA_TRY(moeCombine(a.tmp, a.de, a.rw, B, k, H, s), at + " expert sum");
    return Status::ok();
}

// One pass of B rows (inputs already in m_w): embed → layers → norm → lm_head for rows [logitFirst, +logitCount).
Status CudaModel::pass(int B, int maxLen, int logitFirst, int logitCount, float* logitsOut) const {
    const ModelConfig& c = m_c;
    const Work& a = m_w;
    const int H = c.hidden_size;
    const float eps = static_cast<float>(c.rms_norm_eps);
    WS_CUDA_TRY(embedRows(m_embed, a.tokens, B, a.x, m_stream), "embed_tokens");
    for (int l = 0; l < c.num_hidden_layers; ++l) {
        const Layer& L = m_layers[static_cast<std::size_t>(l)];
        // x += previous block's output (none before the first); h = norm(x)
        WS_CUDA_TRY(rmsNorm(a.x, l == 0 ? nullptr : a.tmp, B, H, L.attnNorm, eps, a.h, m_stream),
                    "layer " + std::to_string(l) + " input_layernorm");
        WS_TRY(layer(l, B, maxLen));
    }
    WS_CUDA_TRY(rmsNorm(a.x, a.tmp, B, H, m_norm, eps, a.h, m_stream), "model.norm");
    if (logitCount > 0) {
        WS_CUDA_TRY(gemv(m_lmHead, a.h + static_cast<std::size_t>(logitFirst) * H, H, logitCount, a.logits,
                         c.vocab_size, m_stream),
                    "lm_head");
        WS_CUDA_TRY(cudaMemcpyAsync(logitsOut, a.logits,
                                    static_cast<std::size_t>(logitCount) * static_cast<std::size_t>(c.vocab_size) * sizeof(float),
                                    cudaMemcpyDeviceToHost, m_stream),
                    "logits");
    }
    WS_CUDA_TRY(cudaStreamSynchronize(m_stream), "the forward pass");
    return Status::ok();
}

Status CudaModel::run(std::span<CudaSession* const> owners, std::span<const int> pos, std::span<const TokenId> tokens,
                      int logitRows, std::vector<float>& logits) const {
    const int T = static_cast<int>(owners.size()), V = m_c.vocab_size, L = m_c.num_hidden_layers;
    const bool batch = T > 1 && owners[1] != owners[0];
    for (std::size_t i = 0; i < owners.size(); ++i)
        if (pos[i] + 1 > owners[i]->limit())
            return Status(Code::OutOfRange, "context limit " + std::to_string(owners[i]->limit()) + " tokens exceeded" +
                                                (batch ? " (batch index " + std::to_string(i) + ")" : std::string()));
    const std::lock_guard lock(m_mutex);
    WS_CUDA_TRY(cudaSetDevice(m_gpu), "GPU " + std::to_string(m_gpu));
    for (std::size_t i = 0; i < owners.size(); ++i) WS_TRY(owners[i]->reserve(pos[i] + 1));
    try {
        logits.resize(static_cast<std::size_t>(logitRows) * static_cast<std::size_t>(V));
    } catch (const std::bad_alloc&) {
        return Status(Code::OutOfMemory, "out of host memory for " + std::to_string(logitRows) + " rows of logits");
    }
    std::vector<int> ids(kRows), at(kRows), len(kRows);
    std::vector<__nv_bfloat16*> cache(static_cast<std::size_t>(L) * kRows);
    const int firstLogit = T - logitRows;
    for (int c0 = 0; c0 < T; c0 += kRows) {
        const int B = std::min(kRows, T - c0);
        int maxLen = 0;
        for (int b = 0; b < B; ++b) {
            const std::size_t i = static_cast<std::size_t>(c0 + b);
            ids[static_cast<std::size_t>(b)] = tokens[i];
            at[static_cast<std::size_t>(b)] = pos[i];
            len[static_cast<std::size_t>(b)] = pos[i] + 1;
            maxLen = std::max(maxLen, pos[i] + 1);
            for (int l = 0; l < L; ++l)
                cache[static_cast<std::size_t>(l) * kRows + static_cast<std::size_t>(b)] =
                    owners[i]->layerCache(l);
        }
        const Work& a = m_w;
        WS_CUDA_TRY(cudaMemcpyAsync(a.tokens, ids.data(), static_cast<std::size_t>(B) * sizeof(int), cudaMemcpyHostToDevice, m_stream), "tokens");
        WS_CUDA_TRY(cudaMemcpyAsync(a.pos, at.data(), static_cast<std::size_t>(B) * sizeof(int), cudaMemcpyHostToDevice, m_stream), "positions");
        WS_CUDA_TRY(cudaMemcpyAsync(a.len, len.data(), static_cast<std::size_t>(B) * sizeof(int), cudaMemcpyHostToDevice, m_stream), "lengths");
        WS_CUDA_TRY(cudaMemcpyAsync(a.cache, cache.data(), cache.size() * sizeof(void*), cudaMemcpyHostToDevice, m_stream),
                    "cache pointers");
        const int first = std::max(c0, firstLogit), count = std::max(0, c0 + B - first);
        float* out = count > 0 ? logits.data() + static_cast<std::size_t>(first - firstLogit) * static_cast<std::size_t>(V)
                               : nullptr;
        // pass() ends with a synchronise: the host vectors above may be rewritten by the next chunk.
        WS_TRY(pass(B, maxLen, first - c0, count, out));
    }
    for (std::size_t i = 0; i < owners.size(); ++i) owners[i]->advance(pos[i] + 1);
    return Status::ok();
}

} // namespace

Result<std::unique_ptr<detail::BackendModel>> createCudaModel(const ModelConfig& config, const ModelWeights& weights,
                                                              const GpuInfo& gpu) {
    auto m = std::make_unique<CudaModel>(config, gpu);
    if (Status s = m->init(weights); !s) return s;
    return std::unique_ptr<detail::BackendModel>(std::move(m));
}

} // namespace ws::cuda
