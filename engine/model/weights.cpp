// Binds checkpoint tensors to ModelWeights, checking names, shapes and dtypes against config.json.
#include "model/weights.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "model/quant.h"

namespace ws {
namespace {

struct BindError {
    Status status;
};

std::string shapeStr(std::initializer_list<std::int64_t> s) {
    std::string r = "[";
    bool first = true;
    for (auto d : s) {
        r += (first ? "" : ",") + std::to_string(d);
        first = false;
    }
    return r + "]";
}

class Binder {
public:
    Binder(const TensorStore& store, const ModelConfig& c) : m_store(store), m_c(c) {}

    const TensorView& tensor(const std::string& name, std::initializer_list<std::int64_t> shape,
                             const std::string& why) {
        const TensorView* t = m_store.find(name);
        if (!t) throw BindError{{Code::NotFound, "tensor " + name + " is missing from the checkpoint"}};
        bool ok = t->shape.size() == shape.size();
        std::size_t i = 0;
        for (auto d : shape) ok = ok && t->shape[i++] == d;
        if (!ok)
            throw BindError{{Code::FormatError, t->file + ": " + name + " shape " + t->shapeString() + ", expected " +
                                                    shapeStr(shape) + " (config.json " + why + ")"}};
        m_used.insert(name);
        return *t;
    }

    Matrix matrix(const std::string& name, int rows, int cols, const std::string& why) {
        const TensorView& t = tensor(name + ".weight", {rows, cols}, why);
        Matrix m;
        m.dtype = t.dtype;
        m.rows = rows;
        m.cols = cols;
        m.data = t.data;
        m.name = name + ".weight";
        m_dtypes.insert(std::string(dtypeName(t.dtype)));
        if (t.dtype == DType::F8_E4M3) {
            if (m_c.fp8_block_rows == 0)
                throw BindError{{Code::FormatError, t.file + ": " + m.name +
                                                        " is F8_E4M3 but config.json has no quantization_config"}};
            const int br = m_c.fp8_block_rows, bc = m_c.fp8_block_cols;
            const std::int64_t sr = (rows + br - 1) / br, sc = (cols + bc - 1) / bc;
            const TensorView& s = tensor(name + ".weight_scale_inv", {sr, sc}, "weight_block_size");
            if (s.dtype != DType::F32)
                throw BindError{{Code::FormatError, s.file + ": " + s.name + " has dtype " +
                                                        std::string(dtypeName(s.dtype)) + ", expected F32"}};
            if (reinterpret_cast<std::uintptr_t>(s.data) % alignof(float) != 0)
                throw BindError{{Code::FormatError, s.file + ": " + s.name + " is not 4-byte aligned"}};
            m.scale = reinterpret_cast<const float*>(s.data);
            m.blockRows = br;
            m.blockCols = bc;
        }
        if (!isBlockQuantized(t.dtype) && reinterpret_cast<std::uintptr_t>(t.data) % dtypeSize(t.dtype) != 0)
            throw BindError{{Code::FormatError, t.file + ": " + m.name + " is not aligned to its element size"}};
        return m;
    }

    std::vector<float> vector(const std::string& name, int n, const std::string& why) {
        const TensorView& t = tensor(name, {n}, why);
        if (t.dtype != DType::F32 && t.dtype != DType::BF16 && t.dtype != DType::F16)
            throw BindError{{Code::FormatError, t.file + ": " + name + " is " + std::string(dtypeName(t.dtype)) +
                                                    "; vectors must be F32/BF16/F16"}};
        std::vector<float> v(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            const std::byte* p = t.data + static_cast<std::size_t>(i) * dtypeSize(t.dtype);
            std::uint16_t h = 0;
            switch (t.dtype) {
            case DType::F32: std::memcpy(&v[static_cast<std::size_t>(i)], p, 4); break;
            case DType::BF16:
                std::memcpy(&h, p, 2);
                v[static_cast<std::size_t>(i)] = bf16ToFloat(h);
                break;
            case DType::F16:
                std::memcpy(&h, p, 2);
                v[static_cast<std::size_t>(i)] = f16ToFloat(h);
                break;
            default: break;
            }
        }
        return v;
    }

    ExpertWeights mlp(const std::string& prefix, int ffn, const std::string& why) {
        const int h = m_c.hidden_size;
        return {matrix(prefix + ".gate_proj", ffn, h, why), matrix(prefix + ".up_proj", ffn, h, why),
                matrix(prefix + ".down_proj", h, ffn, why)};
    }

    const std::set<std::string>& used() const { return m_used; }
    std::vector<std::string> dtypes() const { return {m_dtypes.begin(), m_dtypes.end()}; }

private:
    const TensorStore& m_store;
    const ModelConfig& m_c;
    std::set<std::string> m_used;
    std::set<std::string> m_dtypes;
};

std::uint64_t matrixParams(const Matrix& m) { return static_cast<std::uint64_t>(m.rows) * static_cast<std::uint64_t>(m.cols); }
std::uint64_t mlpParams(const ExpertWeights& e) { return matrixParams(e.gate) + matrixParams(e.up) + matrixParams(e.down); }

} // namespace

void Matrix::rowToFloat(int r, int c0, int n, float* out) const {
    const std::uint8_t* p = row(r);
    if (isBlockQuantized(dtype)) {
        // Whole blocks straight into `out`; a partial first or last block through a scratch block.
        const BlockLayout b = dtypeBlock(dtype);
        float block[256];
        int c = c0;
        while (c < c0 + n) {
            const int k = c / b.elems, off = c - k * b.elems;
            const int take = std::min(b.elems - off, c0 + n - c);
            const std::uint8_t* src = p + static_cast<std::size_t>(k) * static_cast<std::size_t>(b.bytes);
            if (off == 0 && take == b.elems) {
                const int whole = (c0 + n - c) / b.elems;
                dequantizeBlocks(dtype, src, out + (c - c0), whole);
                c += whole * b.elems;
            } else {
                dequantizeBlocks(dtype, src, block, 1);
                std::memcpy(out + (c - c0), block + off, static_cast<std::size_t>(take) * sizeof(float));
                c += take;
            }
        }
        return;
    }
    switch (dtype) {
    case DType::F32: std::memcpy(out, p + static_cast<std::size_t>(c0) * 4, static_cast<std::size_t>(n) * 4); break;
    case DType::BF16:
        for (int i = 0; i < n; ++i) {
            std::uint16_t h;
            std::memcpy(&h, p + static_cast<std::size_t>(c0 + i) * 2, 2);
            out[i] = bf16ToFloat(h);
        }
        break;
    case DType::F16:
        for (int i = 0; i < n; ++i) {
            std::uint16_t h;
            std::memcpy(&h, p + static_cast<std::size_t>(c0 + i) * 2, 2);
            out[i] = f16ToFloat(h);
        }
        break;
    case DType::F8_E4M3:
        for (int i = 0; i < n; ++i) out[i] = fp8e4m3ToFloat(p[c0 + i]) * scaleAt(r, c0 + i);
        break;
    default: break; // block types above
    }
}

std::size_t Matrix::bytes() const {
    std::size_t b = static_cast<std::size_t>(rows) * rowBytes();
    if (scale) b += static_cast<std::size_t>((rows + blockRows - 1) / blockRows) * ((cols + blockCols - 1) / blockCols) * 4;
    return b;
}

Result<ModelWeights> ModelWeights::bind(const TensorStore& store, const ModelConfig& c) {
    Binder b(store, c);
    ModelWeights w;
    const int H = c.hidden_size, nh = c.num_attention_heads;
    const std::string vs = "vocab_size=" + std::to_string(c.vocab_size) + ", hidden_size=" + std::to_string(H);
    try {
        w.embed = b.matrix("model.embed_tokens", c.vocab_size, H, vs);
        w.lm_head = c.tie_word_embeddings ? w.embed : b.matrix("lm_head", c.vocab_size, H, vs);
        w.norm = b.vector("model.norm.weight", H, "hidden_size");
        for (int i = 0; i < c.num_hidden_layers; ++i) {
            const std::string p = "model.layers." + std::to_string(i);
            LayerWeights L;
            L.attn_norm = b.vector(p + ".input_layernorm.weight", H, "hidden_size");
            L.ffn_norm = b.vector(p + ".post_attention_layernorm.weight", H, "hidden_size");
            const int qRows = nh * c.qkHeadDim();
            const std::string qWhy = "num_attention_heads*(qk_nope_head_dim+qk_rope_head_dim)=" + std::to_string(qRows);
            if (c.q_lora_rank > 0) {
                L.q_a = b.matrix(p + ".self_attn.q_a_proj", c.q_lora_rank, H, "q_lora_rank");
                L.q_a_norm = b.vector(p + ".self_attn.q_a_layernorm.weight", c.q_lora_rank, "q_lora_rank");
                L.q_b = b.matrix(p + ".self_attn.q_b_proj", qRows, c.q_lora_rank, qWhy);
            } else {
                L.q_b = b.matrix(p + ".self_attn.q_proj", qRows, H, qWhy);
            }
            L.kv_a = b.matrix(p + ".self_attn.kv_a_proj_with_mqa", c.kvWidth(), H, "kv_lora_rank+qk_rope_head_dim");
            L.kv_a_norm = b.vector(p + ".self_attn.kv_a_layernorm.weight", c.kv_lora_rank, "kv_lora_rank");
            if (store.find(p + ".self_attn.kv_b_proj.weight") || !store.find(p + ".self_attn.k_b_proj.weight")) {
                L.kv_b = b.matrix(p + ".self_attn.kv_b_proj", nh * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank,
                                  "num_attention_heads*(qk_nope_head_dim+v_head_dim)");
            } else {
                // GGUF attn_k_b / attn_v_b: kv_b_proj split per head, the key half transposed.
                L.k_b = b.matrix(p + ".self_attn.k_b_proj", nh * c.kv_lora_rank, c.qk_nope_head_dim,
                                 "num_attention_heads*kv_lora_rank");
                L.v_b = b.matrix(p + ".self_attn.v_b_proj", nh * c.v_head_dim, c.kv_lora_rank, "num_attention_heads*v_head_dim");
            }
            L.o = b.matrix(p + ".self_attn.o_proj", H, nh * c.v_head_dim, "num_attention_heads*v_head_dim");
            L.moe = c.isMoeLayer(i);
            if (!L.moe) {
                L.dense = b.mlp(p + ".mlp", c.intermediate_size, "intermediate_size");
            } else {
                const std::string ne = "n_routed_experts=" + std::to_string(c.n_routed_experts);
                L.router = b.matrix(p + ".mlp.gate", c.n_routed_experts, H, ne);
                if (L.router.dtype == DType::F8_E4M3)
                    return Result<ModelWeights>(Code::Unsupported, L.router.name + ": FP8 router weights are not supported");
                // V3 (noaux_tc) needs the selection bias; other models may carry one too (llama.cpp's converter
                // writes exp_probs_b whenever the source has it, and llama.cpp then adds it to the selection
                // scores whatever the gating): applied the same way here.
                const std::string biasName = p + ".mlp.gate.e_score_correction_bias";
                if (c.topk_method == TopkMethod::NoauxTc || store.find(biasName))
                    L.router_bias = b.vector(biasName, c.n_routed_experts, ne);
                for (int e = 0; e < c.n_routed_experts; ++e)
                    L.experts.push_back(b.mlp(p + ".mlp.experts." + std::to_string(e), c.moe_intermediate_size,
                                              "moe_intermediate_size"));
                if (c.n_shared_experts > 0)
                    L.shared = b.mlp(p + ".mlp.shared_experts", c.moe_intermediate_size * c.n_shared_experts,
                                     "moe_intermediate_size*n_shared_experts");
            }
            w.layers.push_back(std::move(L));
        }
    } catch (const BindError& e) {
        return e.status;
    }
    // Anything left must be the MTP layer(s) (index >= num_hidden_layers): recognised and not run.
    const std::string mtpPrefix = "model.layers.";
    for (const auto& [name, view] : store.all()) {
        if (b.used().count(name)) continue;
        bool mtp = false;
        if (name.rfind(mtpPrefix, 0) == 0) {
            const int idx = std::atoi(name.c_str() + mtpPrefix.size());
            mtp = idx >= c.num_hidden_layers && idx < c.num_hidden_layers + std::max(1, c.num_nextn_predict_layers);
        }
        if (mtp) {
            w.mtpParameters += static_cast<std::uint64_t>(view->numel());
        } else if (name.find("rotary_emb.inv_freq") == std::string::npos) {
            return Result<ModelWeights>(Code::FormatError, view->file + ": unexpected tensor " + name +
                                                               " (not part of a " + c.model_type + " model with this config)");
        }
    }
    w.dtypes = b.dtypes();
    return w;
}

ModelInfo computeModelInfo(const ModelConfig& c, const ModelWeights& w, std::uint64_t fileBytes) {
    ModelInfo info;
    info.architecture = c.model_type;
    info.layers = c.num_hidden_layers;
    info.routedExperts = c.n_routed_experts;
    info.sharedExperts = c.n_shared_experts;
    info.expertsPerToken = c.num_experts_per_tok;
    info.maxContext = c.max_position_embeddings;
    info.weightDtypes = w.dtypes;
    info.weightBytes = fileBytes;
    info.mtpParameters = w.mtpParameters;
    info.kvBytesPerToken = static_cast<std::uint64_t>(c.kvWidth()) * sizeof(float) * static_cast<std::uint64_t>(c.num_hidden_layers);
    std::uint64_t total = matrixParams(w.embed) + w.norm.size(), active = total;
    if (!c.tie_word_embeddings) {
        total += matrixParams(w.lm_head);
        active += matrixParams(w.lm_head);
    }
    for (const LayerWeights& L : w.layers) {
        std::uint64_t common = L.attn_norm.size() + L.ffn_norm.size() + L.q_a_norm.size() + L.kv_a_norm.size() +
                               matrixParams(L.q_a) + matrixParams(L.q_b) + matrixParams(L.kv_a) +
                               matrixParams(L.kv_b) + matrixParams(L.k_b) + matrixParams(L.v_b) + matrixParams(L.o);
        if (!L.moe) {
            ++info.denseLayers;
            common += mlpParams(L.dense);
            total += common;
            active += common;
            continue;
        }
        common += matrixParams(L.router) + L.router_bias.size() + mlpParams(L.shared);
        const std::uint64_t perExpert = L.experts.empty() ? 0 : mlpParams(L.experts.front());
        total += common + perExpert * L.experts.size();
        active += common + perExpert * static_cast<std::uint64_t>(c.num_experts_per_tok);
    }
    info.parametersTotal = total;
    info.parametersActive = active;
    return info;
}

} // namespace ws
