// ModelConfig: the hyper-parameters of a DeepSeek-V3 / V2 checkpoint, read from its config.json.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "whalesong/status.h"

namespace ws {

/// rope_scaling of config.json (YaRN, as DeepSeek-V3 ships it).
struct RopeScaling {
    std::string type; ///< "yarn" (others are refused at load)
    double factor = 1.0;
    int original_max_position_embeddings = 0;
    double beta_fast = 32.0;
    double beta_slow = 1.0;
    double mscale = 1.0;
    double mscale_all_dim = 0.0;
};

/// config.json topk_method: how the router picks experts (parsed once at load; device code needs plain values).
enum class TopkMethod {
    NoauxTc,           ///< "noaux_tc" (V3): groups ranked by the sum of their two best biased scores
    Greedy,            ///< "greedy" (V2): plain top-k
    GroupLimitedGreedy ///< "group_limited_greedy" (V2): groups ranked by their best score
};
/// config.json scoring_func: the router's score of each expert.
enum class ScoringFunc { Sigmoid, Softmax };
/// config.json spellings, for messages and `whalesong-cli info`.
const char* topkMethodName(TopkMethod m);
const char* scoringFuncName(ScoringFunc f);

/// Field names keep config.json's spelling so a grep finds both. Plain value type.
struct ModelConfig {
    std::string model_type; ///< "deepseek_v3" | "deepseek_v2"
    int vocab_size = 0;
    int hidden_size = 0;
    int intermediate_size = 0;     ///< dense FFN width
    int moe_intermediate_size = 0; ///< per-expert FFN width
    int num_hidden_layers = 0;
    int num_nextn_predict_layers = 0; ///< MTP layers stored after the main ones (not run)
    int num_attention_heads = 0;
    int n_shared_experts = 0;
    int n_routed_experts = 0;
    double routed_scaling_factor = 1.0;
    int kv_lora_rank = 0;
    int q_lora_rank = 0; ///< 0 when config.json has null: q_proj is used directly
    int qk_rope_head_dim = 0;
    int qk_nope_head_dim = 0;
    int v_head_dim = 0;
    TopkMethod topk_method = TopkMethod::NoauxTc;
    ScoringFunc scoring_func = ScoringFunc::Sigmoid;
    int n_group = 1;
    int topk_group = 1;
    int num_experts_per_tok = 0;
    int moe_layer_freq = 1;
    int first_k_dense_replace = 0;
    bool norm_topk_prob = false;
    int max_position_embeddings = 0;
    double rms_norm_eps = 1e-6;
    double rope_theta = 10000.0;
    std::optional<RopeScaling> rope_scaling;
    bool tie_word_embeddings = false;
    int bos_token_id = 0;
    int eos_token_id = 1;
    int fp8_block_rows = 0; ///< quantization_config.weight_block_size[0] (0: not FP8)
    int fp8_block_cols = 0;

    bool isV3() const { return model_type == "deepseek_v3"; }
    int qkHeadDim() const { return qk_nope_head_dim + qk_rope_head_dim; }
    /// Layer i runs routed experts (else a dense FFN), as modeling_deepseek.py decides.
    bool isMoeLayer(int i) const {
        return n_routed_experts > 0 && i >= first_k_dense_replace && i % moe_layer_freq == 0;
    }
    /// Floats cached per token and layer: the normalised latent and the roped key.
    int kvWidth() const { return kv_lora_rank + qk_rope_head_dim; }

    /// Parses config.json text; `source` names the file in messages. Checks every field and their consistency.
    static Result<ModelConfig> parse(const std::string& text, const std::string& source);
    static Result<ModelConfig> load(const std::filesystem::path& configJson);
};

} // namespace ws
