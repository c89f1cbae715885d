// config.json → ModelConfig, with every field checked (HF DeepseekV3Config / DeepseekV2Config).
#include "whalesong/model_config.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ws {
namespace {

using nlohmann::json;

struct ConfigError {
    std::string message;
};

class Reader {
public:
    Reader(const json& j, const std::string& source) : m_j(j), m_source(source) {}

    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        throw ConfigError{m_source + ": field '" + field + "' " + what};
    }
    bool has(const char* field) const { return m_j.contains(field) && !m_j.at(field).is_null(); }

    int integer(const char* field, int minValue, std::optional<int> fallback = std::nullopt) const {
        if (!has(field)) {
            if (fallback) return *fallback;
            fail(field, "is missing");
        }
        const json& v = m_j.at(field);
        if (!v.is_number_integer()) fail(field, "must be an integer, got " + v.dump());
        const auto x = v.get<long long>();
        if (x < minValue || x > (1LL << 30)) fail(field, "is out of range: " + v.dump());
        return static_cast<int>(x);
    }
    double number(const char* field, std::optional<double> fallback = std::nullopt) const {
        if (!has(field)) {
            if (fallback) return *fallback;
            fail(field, "is missing");
        }
        const json& v = m_j.at(field);
        if (!v.is_number()) fail(field, "must be a number, got " + v.dump());
        return v.get<double>();
    }
    std::string string(const char* field, std::optional<std::string> fallback = std::nullopt) const {
        if (!has(field)) {
            if (fallback) return *fallback;
            fail(field, "is missing");
        }
        const json& v = m_j.at(field);
        if (!v.is_string()) fail(field, "must be a string, got " + v.dump());
        return v.get<std::string>();
    }
    bool boolean(const char* field, bool fallback) const {
        if (!has(field)) return fallback;
        const json& v = m_j.at(field);
        if (!v.is_boolean()) fail(field, "must be true or false, got " + v.dump());
        return v.get<bool>();
    }

private:
    const json& m_j;
    const std::string& m_source;
};

ModelConfig parseChecked(const json& j, const std::string& source) {
    if (!j.is_object()) throw ConfigError{source + ": expected a JSON object"};
    Reader r(j, source);
    ModelConfig c;
    c.model_type = r.string("model_type");
    if (c.model_type != "deepseek_v3" && c.model_type != "deepseek_v2")
        r.fail("model_type", "is '" + c.model_type + "'; supported: deepseek_v3, deepseek_v2");
    const bool v3 = c.isV3();
    c.vocab_size = r.integer("vocab_size", 1);
    c.hidden_size = r.integer("hidden_size", 1);
    c.intermediate_size = r.integer("intermediate_size", 1);
    c.num_hidden_layers = r.integer("num_hidden_layers", 1);
    c.num_nextn_predict_layers = r.integer("num_nextn_predict_layers", 0, 0);
    c.num_attention_heads = r.integer("num_attention_heads", 1);
    if (r.has("num_key_value_heads") && r.integer("num_key_value_heads", 1) != c.num_attention_heads)
        r.fail("num_key_value_heads", "must equal num_attention_heads for MLA");
    c.n_routed_experts = r.integer("n_routed_experts", 0, 0);
    c.n_shared_experts = r.integer("n_shared_experts", 0, 0);
    c.moe_intermediate_size = r.integer("moe_intermediate_size", c.n_routed_experts > 0 ? 1 : 0, 0);
    c.routed_scaling_factor = r.number("routed_scaling_factor", 1.0);
    c.kv_lora_rank = r.integer("kv_lora_rank", 1);
    c.q_lora_rank = r.has("q_lora_rank") ? r.integer("q_lora_rank", 1) : 0;
    c.qk_rope_head_dim = r.integer("qk_rope_head_dim", 2);
    if (c.qk_rope_head_dim % 2 != 0) r.fail("qk_rope_head_dim", "must be even");
    c.qk_nope_head_dim = r.integer("qk_nope_head_dim", 0);
    c.v_head_dim = r.integer("v_head_dim", 1);
    const std::string scoring = r.string("scoring_func", v3 ? "sigmoid" : "softmax");
    const std::string topk = r.string("topk_method", v3 ? "noaux_tc" : "greedy");
    c.n_group = r.integer("n_group", 1, 1);
    c.topk_group = r.integer("topk_group", 1, 1);
    c.num_experts_per_tok = r.integer("num_experts_per_tok", c.n_routed_experts > 0 ? 1 : 0, 0);
    c.moe_layer_freq = r.integer("moe_layer_freq", 1, 1);
    c.first_k_dense_replace = r.integer("first_k_dense_replace", 0, 0);
    c.norm_topk_prob = r.boolean("norm_topk_prob", false);
    c.max_position_embeddings = r.integer("max_position_embeddings", 1);
    c.rms_norm_eps = r.number("rms_norm_eps", 1e-6);
    c.rope_theta = r.number("rope_theta", 10000.0);
    c.tie_word_embeddings = r.boolean("tie_word_embeddings", false);
    c.bos_token_id = r.integer("bos_token_id", 0, 0);
    if (r.has("eos_token_id") && j.at("eos_token_id").is_array()) {
        const json& e = j.at("eos_token_id");
        if (e.empty() || !e.at(0).is_number_integer()) r.fail("eos_token_id", "must be an integer or a list of them");
        c.eos_token_id = e.at(0).get<int>();
    } else {
        c.eos_token_id = r.integer("eos_token_id", 0, 1);
    }
    if (r.has("hidden_act") && r.string("hidden_act") != "silu")
        r.fail("hidden_act", "is '" + r.string("hidden_act") + "'; only silu is supported");

    if (c.n_routed_experts > 0) {
        if (scoring == "sigmoid") c.scoring_func = ScoringFunc::Sigmoid;
        else if (scoring == "softmax") c.scoring_func = ScoringFunc::Softmax;
        else r.fail("scoring_func", "is '" + scoring + "'; supported: sigmoid, softmax");
        if (topk == "noaux_tc") c.topk_method = TopkMethod::NoauxTc;
        else if (topk == "greedy") c.topk_method = TopkMethod::Greedy;
        else if (topk == "group_limited_greedy") c.topk_method = TopkMethod::GroupLimitedGreedy;
        else r.fail("topk_method", "is '" + topk + "'; supported: noaux_tc, greedy, group_limited_greedy");
        if (c.num_experts_per_tok > c.n_routed_experts)
            r.fail("num_experts_per_tok", "exceeds n_routed_experts (" + std::to_string(c.n_routed_experts) + ")");
        if (c.n_routed_experts % c.n_group != 0)
            r.fail("n_group", "must divide n_routed_experts (" + std::to_string(c.n_routed_experts) + ")");
        if (c.topk_group > c.n_group) r.fail("topk_group", "exceeds n_group");
        const int perGroup = c.n_routed_experts / c.n_group;
        if (c.topk_method == TopkMethod::NoauxTc && perGroup < 2 && c.n_group > 1)
            r.fail("n_group", "leaves fewer than 2 experts per group (noaux_tc sums each group's top two)");
        if (c.topk_method != TopkMethod::Greedy && c.topk_group * perGroup < c.num_experts_per_tok)
            r.fail("topk_group", "keeps fewer experts than num_experts_per_tok");
    }

    if (r.has("rope_scaling")) {
        const json& rs = j.at("rope_scaling");
        if (!rs.is_object()) r.fail("rope_scaling", "must be an object");
        Reader s(rs, source);
        RopeScaling y;
        y.type = rs.contains("type") ? s.string("type") : s.string("rope_type");
        if (y.type != "yarn") r.fail("rope_scaling.type", "is '" + y.type + "'; only yarn is supported");
        y.factor = s.number("factor");
        if (!(y.factor >= 1.0)) r.fail("rope_scaling.factor", "must be >= 1");
        y.original_max_position_embeddings = s.integer("original_max_position_embeddings", 1);
        y.beta_fast = s.number("beta_fast", 32.0);
        y.beta_slow = s.number("beta_slow", 1.0);
        y.mscale = s.number("mscale", 1.0);
        y.mscale_all_dim = s.number("mscale_all_dim", 0.0);
        c.rope_scaling = y;
    }
    // Sizes a forward pass multiplies together must stay far from int overflow.
    const auto cap = [&](const char* what, long long v, long long limit) {
        if (v > limit) r.fail(what, "is too large: " + std::to_string(v) + " (limit " + std::to_string(limit) + ")");
    };
    cap("hidden_size", c.hidden_size, 1 << 20);
    cap("vocab_size", c.vocab_size, 1 << 24);
    cap("num_hidden_layers", c.num_hidden_layers, 4096);
    cap("n_routed_experts", c.n_routed_experts, 1 << 16);
    cap("max_position_embeddings", c.max_position_embeddings, 1 << 24);
    cap("intermediate_size", c.intermediate_size, 1 << 22);
    cap("num_attention_heads*(qk_nope_head_dim+qk_rope_head_dim)",
        static_cast<long long>(c.num_attention_heads) * c.qkHeadDim(), 1 << 22);
    cap("num_attention_heads*(qk_nope_head_dim+v_head_dim)",
        static_cast<long long>(c.num_attention_heads) * (c.qk_nope_head_dim + c.v_head_dim), 1 << 22);
    cap("moe_intermediate_size*n_shared_experts",
        static_cast<long long>(c.moe_intermediate_size) * std::max(1, c.n_shared_experts), 1 << 22);
    cap("kv_lora_rank+qk_rope_head_dim", static_cast<long long>(c.kv_lora_rank) + c.qk_rope_head_dim, 1 << 20);
    cap("q_lora_rank", c.q_lora_rank, 1 << 20);

    if (r.has("quantization_config")) {
        const json& q = j.at("quantization_config");
        Reader s(q, source);
        const std::string method = s.string("quant_method");
        if (method != "fp8")
            r.fail("quantization_config.quant_method", "is '" + method + "'; only fp8 is supported");
        if (q.contains("fmt") && s.string("fmt") != "e4m3")
            r.fail("quantization_config.fmt", "is '" + s.string("fmt") + "'; only e4m3 is supported");
        const json& b = q.value("weight_block_size", json::array({128, 128}));
        if (!b.is_array() || b.size() != 2 || !b[0].is_number_integer() || !b[1].is_number_integer() ||
            b[0].get<int>() <= 0 || b[1].get<int>() <= 0)
            r.fail("quantization_config.weight_block_size", "must be two positive integers");
        c.fp8_block_rows = b[0].get<int>();
        c.fp8_block_cols = b[1].get<int>();
    }
    return c;
}

} // namespace

const char* topkMethodName(TopkMethod m) {
    switch (m) {
    case TopkMethod::NoauxTc: return "noaux_tc";
    case TopkMethod::Greedy: return "greedy";
    case TopkMethod::GroupLimitedGreedy: return "group_limited_greedy";
    }
    return "?";
}

const char* scoringFuncName(ScoringFunc f) { return f == ScoringFunc::Sigmoid ? "sigmoid" : "softmax"; }

Result<ModelConfig> ModelConfig::parse(const std::string& text, const std::string& source) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        return Result<ModelConfig>(Code::FormatError, source + ": malformed JSON: " + e.what());
    }
    try {
        return parseChecked(j, source);
    } catch (const ConfigError& e) {
        return Result<ModelConfig>(Code::FormatError, e.message);
    } catch (const json::exception& e) {
        return Result<ModelConfig>(Code::FormatError, source + ": " + e.what());
    }
}

Result<ModelConfig> ModelConfig::load(const std::filesystem::path& configJson) {
    std::ifstream in(configJson, std::ios::binary);
    if (!in) return Result<ModelConfig>(Code::NotFound, configJson.string() + ": cannot open (missing file?)");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), configJson.string());
}

} // namespace ws
