// deepseek2 GGUF → ModelConfig (metadata keys as llama.cpp's converter writes them) and Hugging Face tensor names.
#include "model/gguf_model.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <nlohmann/json.hpp>

namespace ws {
namespace {

using nlohmann::json;

struct GgufModelError {
    Status status;
};

/// Typed metadata reads; every failure names the file and the key.
class Meta {
public:
    Meta(const GgufFile& f, std::string arch) : m_f(f), m_arch(std::move(arch)) {}

    [[noreturn]] void fail(const std::string& key, const std::string& what) const {
        throw GgufModelError{{Code::FormatError, m_f.fileName() + ": metadata " + key + " " + what}};
    }
    std::string key(const std::string& k) const { return m_arch + "." + k; }
    const GgufValue* find(const std::string& k) const { return m_f.find(key(k)); }

    std::int64_t integer(const std::string& k, std::optional<std::int64_t> fallback = std::nullopt) const {
        const GgufValue* v = find(k);
        if (!v) {
            if (fallback) return *fallback;
            fail(key(k), "is missing");
        }
        if (v->kind == GgufValue::Kind::UInt && v->u <= (std::uint64_t{1} << 40)) return static_cast<std::int64_t>(v->u);
        if (v->kind == GgufValue::Kind::Int && v->i >= 0 && v->i <= (std::int64_t{1} << 40)) return v->i;
        // Per-layer arrays (llama.cpp allows them for some keys): all equal, or refused.
        if (v->kind == GgufValue::Kind::NumberArray && !v->numbers.empty() &&
            std::all_of(v->numbers.begin(), v->numbers.end(), [&](double x) { return x == v->numbers.front(); }) &&
            v->numbers.front() >= 0 && v->numbers.front() == std::floor(v->numbers.front()))
            return static_cast<std::int64_t>(v->numbers.front());
        fail(key(k), "has type " + v->typeName() + ", expected a non-negative integer");
    }
    double number(const std::string& k, std::optional<double> fallback = std::nullopt) const {
        const GgufValue* v = find(k);
        if (!v) {
            if (fallback) return *fallback;
            fail(key(k), "is missing");
        }
        if (v->kind == GgufValue::Kind::Float) return v->f;
        if (v->kind == GgufValue::Kind::UInt) return static_cast<double>(v->u);
        if (v->kind == GgufValue::Kind::Int) return static_cast<double>(v->i);
        fail(key(k), "has type " + v->typeName() + ", expected a number");
    }
    bool boolean(const std::string& k, bool fallback) const {
        const GgufValue* v = find(k);
        if (!v) return fallback;
        if (v->kind == GgufValue::Kind::Bool) return v->b;
        fail(key(k), "has type " + v->typeName() + ", expected a bool");
    }
    std::optional<std::string> string(const std::string& fullKey) const {
        const GgufValue* v = m_f.find(fullKey);
        if (!v) return std::nullopt;
        if (v->kind != GgufValue::Kind::String) fail(fullKey, "has type " + v->typeName() + ", expected a string");
        return v->str;
    }

private:
    const GgufFile& m_f;
    std::string m_arch;
};

/// The hyper-parameters as the config.json of the same model would state them, checked by ModelConfig::parse.
json configJson(const GgufFile& f, const GgufSet& set) {
    const Meta m(f, "deepseek2");
    json c;
    const auto count = [&](const char* k) { return m.integer(k); };
    c["hidden_size"] = count("embedding_length");
    c["num_hidden_layers"] = count("block_count");
    c["num_attention_heads"] = count("attention.head_count");
    c["intermediate_size"] = count("feed_forward_length");
    c["max_position_embeddings"] = count("context_length");
    c["rms_norm_eps"] = m.number("attention.layer_norm_rms_epsilon");
    c["rope_theta"] = m.number("rope.freq_base", 10000.0);
    const std::int64_t rope = count("rope.dimension_count");
    const std::int64_t kvLora = count("attention.kv_lora_rank");
    c["qk_rope_head_dim"] = rope;
    c["kv_lora_rank"] = kvLora;
    if (const std::int64_t q = m.integer("attention.q_lora_rank", 0); q > 0) c["q_lora_rank"] = q;
    // Files converted since 2025 write MQA over the latent (key_length = kv_lora_rank + rope) and put the per-head
    // sizes under *_mla; older ones have the per-head sizes in key_length / value_length.
    std::int64_t keyLength = 0, valueLength = 0;
    if (m.find("attention.key_length_mla")) {
        keyLength = count("attention.key_length_mla");
        valueLength = count("attention.value_length_mla");
    } else {
        keyLength = count("attention.key_length");
        valueLength = count("attention.value_length");
    }
    if (keyLength <= rope)
        m.fail(m.key("attention.key_length"), "(" + std::to_string(keyLength) + ") must exceed rope.dimension_count (" +
                                                  std::to_string(rope) + ")");
    c["qk_nope_head_dim"] = keyLength - rope;
    c["v_head_dim"] = valueLength;

    const std::int64_t experts = m.integer("expert_count", 0);
    const std::int64_t gating = m.integer("expert_gating_func", 1); // llama.cpp: absent = softmax (V2, V2.5)
    if (gating != 1 && gating != 2)
        m.fail(m.key("expert_gating_func"), "is " + std::to_string(gating) + "; supported: 1 (softmax), 2 (sigmoid)");
    const bool sigmoid = gating == 2;
    c["model_type"] = sigmoid ? "deepseek_v3" : "deepseek_v2";
    if (experts > 0) {
        c["n_routed_experts"] = experts;
        c["num_experts_per_tok"] = count("expert_used_count");
        c["n_shared_experts"] = m.integer("expert_shared_count", 0);
        c["moe_intermediate_size"] = count("expert_feed_forward_length");
        c["first_k_dense_replace"] = m.integer("leading_dense_block_count", 0);
        c["routed_scaling_factor"] = m.number("expert_weights_scale", 1.0);
        c["norm_topk_prob"] = m.boolean("expert_weights_norm", false);
        const std::int64_t groups = m.integer("expert_group_count", 1);
        c["n_group"] = groups;
        c["topk_group"] = m.integer("expert_group_used_count", groups);
        c["scoring_func"] = sigmoid ? "sigmoid" : "softmax";
        c["topk_method"] = sigmoid ? "noaux_tc" : groups > 1 ? "group_limited_greedy" : "greedy";
    } else {
        c["first_k_dense_replace"] = c["num_hidden_layers"];
    }
    // vocab_size: the key, else the token list, else the embedding's rows.
    std::int64_t vocab = m.integer("vocab_size", 0);
    if (vocab == 0)
        if (const GgufValue* t = f.find("tokenizer.ggml.tokens"); t && t->kind == GgufValue::Kind::StringArray)
            vocab = static_cast<std::int64_t>(t->strings.size());
    if (vocab == 0)
        if (auto it = set.tensors().find("token_embd.weight"); it != set.tensors().end() && it->second->ne.size() == 2)
            vocab = it->second->ne[1];
    c["vocab_size"] = vocab;
    c["tie_word_embeddings"] = set.tensors().count("output.weight") == 0;

    if (const auto type = m.string("deepseek2.rope.scaling.type"); type && *type != "none") {
        if (*type != "yarn")
            m.fail("deepseek2.rope.scaling.type", "is '" + *type + "'; only yarn is supported");
        json y;
        y["type"] = "yarn";
        y["factor"] = m.number("rope.scaling.factor");
        y["original_max_position_embeddings"] = count("rope.scaling.original_context_length");
        y["beta_fast"] = m.number("rope.scaling.yarn_beta_fast", 32.0);
        y["beta_slow"] = m.number("rope.scaling.yarn_beta_slow", 1.0);
        // The converter writes 0.1·mscale_all_dim; DeepSeek's configs have mscale == mscale_all_dim (llama.cpp
        // assumes the same).
        const double mscale = m.number("rope.scaling.yarn_log_multiplier", 0.0) / 0.1;
        y["mscale"] = mscale;
        y["mscale_all_dim"] = mscale;
        c["rope_scaling"] = y;
    }
    const auto tokenId = [&](const char* k, int fallback) {
        const GgufValue* v = f.find(k);
        if (!v) return fallback;
        if (v->kind != GgufValue::Kind::UInt || v->u > (1u << 30)) m.fail(k, "has type " + v->typeName() + ", expected a token id");
        return static_cast<int>(v->u);
    };
    c["bos_token_id"] = tokenId("tokenizer.ggml.bos_token_id", 0);
    c["eos_token_id"] = tokenId("tokenizer.ggml.eos_token_id", 1);
    return c;
}

/// GGUF tensor name → Hugging Face name, for the per-layer tensors that map one to one.
const std::map<std::string, std::string>& layerNames() {
    static const std::map<std::string, std::string> names = {
        {"attn_norm.weight", "input_layernorm.weight"},
        {"ffn_norm.weight", "post_attention_layernorm.weight"},
        {"attn_q_a.weight", "self_attn.q_a_proj.weight"},
        {"attn_q_a_norm.weight", "self_attn.q_a_layernorm.weight"},
        {"attn_q_b.weight", "self_attn.q_b_proj.weight"},
        {"attn_q.weight", "self_attn.q_proj.weight"},
        {"attn_kv_a_mqa.weight", "self_attn.kv_a_proj_with_mqa.weight"},
        {"attn_kv_a_norm.weight", "self_attn.kv_a_layernorm.weight"},
        {"attn_kv_b.weight", "self_attn.kv_b_proj.weight"},
        {"attn_k_b.weight", "self_attn.k_b_proj.weight"},
        {"attn_v_b.weight", "self_attn.v_b_proj.weight"},
        {"attn_output.weight", "self_attn.o_proj.weight"},
        {"ffn_gate.weight", "mlp.gate_proj.weight"},
        {"ffn_up.weight", "mlp.up_proj.weight"},
        {"ffn_down.weight", "mlp.down_proj.weight"},
        {"ffn_gate_inp.weight", "mlp.gate.weight"},
        {"exp_probs_b.bias", "mlp.gate.e_score_correction_bias"},
        {"ffn_gate_shexp.weight", "mlp.shared_experts.gate_proj.weight"},
        {"ffn_up_shexp.weight", "mlp.shared_experts.up_proj.weight"},
        {"ffn_down_shexp.weight", "mlp.shared_experts.down_proj.weight"},
    };
    return names;
}

TensorView viewOf(const GgufTensor& t, std::string name, std::vector<std::int64_t> shape, const std::byte* data,
                  std::size_t nbytes) {
    if (!t.dtype)
        throw GgufModelError{{Code::Unsupported, t.file + ": tensor " + t.name + " has type " + ggmlTypeName(t.ggmlType) +
                                                     ", which this engine does not run (supported: f32, f16, bf16, q4_0, "
                                                     "q4_1, q5_0, q5_1, q8_0, q2_K, q3_K, q4_K, q5_K, q6_K, iq4_xs, iq4_nl)"}};
    TensorView v;
    v.name = std::move(name);
    v.dtype = *t.dtype;
    v.shape = std::move(shape);
    v.data = data;
    v.nbytes = nbytes;
    v.file = t.file + " (" + t.name + ")";
    return v;
}

/// Every tensor renamed; merged expert tensors [n_expert, rows, cols] become one view per expert.
std::vector<TensorView> renameTensors(const GgufSet& set, const ModelConfig& c) {
    std::vector<TensorView> views;
    for (const auto& [name, t] : set.tensors()) {
        std::vector<std::int64_t> shape(t->ne.rbegin(), t->ne.rend()); // PyTorch order
        // blk.N.rest
        std::size_t dot = std::string::npos;
        if (name.rfind("blk.", 0) == 0) {
            dot = name.find('.', 4);
            if (dot == 4 || dot == std::string::npos ||
                !std::all_of(name.begin() + 4, name.begin() + static_cast<std::ptrdiff_t>(dot), [](char ch) { return ch >= '0' && ch <= '9'; }))
                dot = std::string::npos;
        }
        if (name == "token_embd.weight") {
            views.push_back(viewOf(*t, "model.embed_tokens.weight", shape, t->data, t->nbytes));
        } else if (name == "output.weight") {
            views.push_back(viewOf(*t, "lm_head.weight", shape, t->data, t->nbytes));
        } else if (name == "output_norm.weight") {
            views.push_back(viewOf(*t, "model.norm.weight", shape, t->data, t->nbytes));
        } else if (dot != std::string::npos) {
            const std::string prefix = "model.layers." + name.substr(4, dot - 4) + ".";
            const std::string rest = name.substr(dot + 1);
            static const std::map<std::string, std::string> kExperts = {
                {"ffn_gate_exps.weight", "gate_proj"}, {"ffn_up_exps.weight", "up_proj"}, {"ffn_down_exps.weight", "down_proj"}};
            if (const auto e = kExperts.find(rest); e != kExperts.end()) {
                if (shape.size() != 3)
                    throw GgufModelError{{Code::FormatError, t->file + ": tensor " + name + " has " +
                                                                 std::to_string(shape.size()) + " dimensions, expected 3"}};
                const std::size_t per = t->nbytes / static_cast<std::size_t>(shape[0]);
                for (std::int64_t x = 0; x < shape[0]; ++x)
                    views.push_back(viewOf(*t, prefix + "mlp.experts." + std::to_string(x) + "." + e->second + ".weight",
                                           {shape[1], shape[2]}, t->data + static_cast<std::size_t>(x) * per, per));
            } else if (rest == "attn_k_b.weight" || rest == "attn_v_b.weight") {
                // [n_head, kv_lora_rank, qk_nope] (W_UKᵀ per head) / [n_head, v_head_dim, kv_lora_rank]: rows of all
                // heads one after the other.
                if (shape.size() != 3)
                    throw GgufModelError{{Code::FormatError, t->file + ": tensor " + name + " has " +
                                                                 std::to_string(shape.size()) + " dimensions, expected 3"}};
                const bool k = rest == "attn_k_b.weight";
                const std::int64_t rows = k ? c.kv_lora_rank : c.v_head_dim, cols = k ? c.qk_nope_head_dim : c.kv_lora_rank;
                if (shape[0] != c.num_attention_heads || shape[1] != rows || shape[2] != cols)
                    throw GgufModelError{{Code::FormatError, t->file + ": tensor " + name + " has ne [" +
                                                                 std::to_string(t->ne[0]) + "," + std::to_string(t->ne[1]) + "," +
                                                                 std::to_string(t->ne[2]) + "], expected [" + std::to_string(cols) +
                                                                 "," + std::to_string(rows) + "," +
                                                                 std::to_string(c.num_attention_heads) + "]"}};
                views.push_back(viewOf(*t, prefix + layerNames().at(rest), {shape[0] * shape[1], shape[2]}, t->data, t->nbytes));
            } else if (const auto n = layerNames().find(rest); n != layerNames().end()) {
                views.push_back(viewOf(*t, prefix + n->second, shape, t->data, t->nbytes));
            } else {
                // Unknown per-layer tensors (an MTP layer's nextn.*) keep a layer prefix so the binder can tell.
                views.push_back(viewOf(*t, prefix + rest, shape, t->data, t->nbytes));
            }
        } else {
            throw GgufModelError{{Code::FormatError, t->file + ": unexpected tensor " + name + " (not part of a deepseek2 model)"}};
        }
    }
    return views;
}

std::string fileTypeName(std::uint64_t ftype) {
    static const std::map<std::uint64_t, const char*> names = {
        {0, "F32"}, {1, "F16"}, {2, "Q4_0"}, {3, "Q4_1"}, {7, "Q8_0"}, {8, "Q5_0"}, {9, "Q5_1"}, {10, "Q2_K"},
        {11, "Q3_K_S"}, {12, "Q3_K_M"}, {13, "Q3_K_L"}, {14, "Q4_K_S"}, {15, "Q4_K_M"}, {16, "Q5_K_S"},
        {17, "Q5_K_M"}, {18, "Q6_K"}, {19, "IQ2_XXS"}, {20, "IQ2_XS"}, {21, "Q2_K_S"}, {22, "IQ3_XS"},
        {23, "IQ3_XXS"}, {24, "IQ1_S"}, {25, "IQ4_NL"}, {26, "IQ3_S"}, {27, "IQ3_M"}, {28, "IQ2_S"},
        {29, "IQ2_M"}, {30, "IQ4_XS"}, {31, "IQ1_M"}, {32, "BF16"}, {36, "TQ1_0"}, {37, "TQ2_0"}, {38, "MXFP4_MOE"}};
    const auto it = names.find(ftype & ~std::uint64_t{1024}); // 1024: "guessed" flag
    return it == names.end() ? "type " + std::to_string(ftype) : it->second;
}

} // namespace

Result<GgufModel> openGgufModel(const std::filesystem::path& path) {
    auto opened = GgufSet::open(path);
    if (!opened) return opened.status();
    auto set = std::make_shared<const GgufSet>(std::move(opened.value()));
    const GgufFile& f = set->first();
    try {
        const auto arch = Meta(f, "deepseek2").string("general.architecture");
        if (!arch) return Status{Code::FormatError, f.fileName() + ": metadata general.architecture is missing"};
        if (*arch != "deepseek2")
            return Status{Code::Unsupported, f.fileName() + ": architecture '" + *arch +
                                                 "' is not supported (this engine runs deepseek2: DeepSeek-V2, V2.5, V3, R1)"};
        const json cj = configJson(f, *set);
        auto config = ModelConfig::parse(cj.dump(), f.fileName() + " (metadata as config.json)");
        if (!config) return config.status();

        GgufModel model;
        model.files = set;
        model.config = config.value();
        std::vector<std::shared_ptr<const void>> owners{set};
        std::vector<std::pair<const std::byte*, std::size_t>> regions;
        for (const auto& file : set->files()) regions.emplace_back(file->mapped(), file->fileSize());
        auto store = TensorStore::fromViews(std::move(owners), std::move(regions), renameTensors(*set, model.config));
        if (!store) return store.status();
        model.store = std::move(store.value());
        if (const GgufValue* ft = f.find("general.file_type"); ft && ft->kind == GgufValue::Kind::UInt)
            model.fileType = fileTypeName(ft->u);
        std::map<std::string, GgufTypeShare> mix;
        for (const auto& [name, t] : set->tensors()) {
            GgufTypeShare& s = mix[ggmlTypeName(t->ggmlType)];
            s.type = ggmlTypeName(t->ggmlType);
            ++s.tensors;
            s.bytes += t->nbytes;
        }
        for (auto& [name, s] : mix) model.typeMix.push_back(s);
        std::sort(model.typeMix.begin(), model.typeMix.end(),
                  [](const GgufTypeShare& a, const GgufTypeShare& b) { return a.bytes > b.bytes; });
        return model;
    } catch (const GgufModelError& e) {
        return e.status;
    } catch (const json::exception& e) {
        return Status{Code::FormatError, f.fileName() + ": " + e.what()};
    }
}

} // namespace ws
