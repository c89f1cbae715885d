// config.json parsing: the published DeepSeek-V3 and V2-Lite configs, and every kind of bad field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "whalesong/model_config.h"

namespace {

using nlohmann::json;

// deepseek-ai/DeepSeek-V3 config.json as published (auto_map omitted).
json v3Json() {
    return json::parse(R"({
  "architectures": ["DeepseekV3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "aux_loss_alpha": 0.001, "bos_token_id": 0, "eos_token_id": 1, "ep_size": 1, "first_k_dense_replace": 3,
  "hidden_act": "silu", "hidden_size": 7168, "initializer_range": 0.02, "intermediate_size": 18432,
  "kv_lora_rank": 512, "max_position_embeddings": 163840, "model_type": "deepseek_v3",
  "moe_intermediate_size": 2048, "moe_layer_freq": 1, "n_group": 8, "n_routed_experts": 256,
  "n_shared_experts": 1, "norm_topk_prob": true, "num_attention_heads": 128, "num_experts_per_tok": 8,
  "num_hidden_layers": 61, "num_key_value_heads": 128, "num_nextn_predict_layers": 1, "pretraining_tp": 1,
  "q_lora_rank": 1536, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64,
  "quantization_config": {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8",
                          "weight_block_size": [128, 128]},
  "rms_norm_eps": 1e-06,
  "rope_scaling": {"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 1.0, "mscale_all_dim": 1.0,
                   "original_max_position_embeddings": 4096, "type": "yarn"},
  "rope_theta": 10000, "routed_scaling_factor": 2.5, "scoring_func": "sigmoid", "seq_aux": true,
  "tie_word_embeddings": false, "topk_group": 4, "topk_method": "noaux_tc", "torch_dtype": "bfloat16",
  "transformers_version": "4.33.1", "use_cache": true, "v_head_dim": 128, "vocab_size": 129280})");
}

// deepseek-ai/DeepSeek-V2-Lite config.json (auto_map omitted).
json v2LiteJson() {
    return json::parse(R"({
  "architectures": ["DeepseekV2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "aux_loss_alpha": 0.001, "bos_token_id": 100000, "eos_token_id": 100001, "first_k_dense_replace": 1,
  "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 10944,
  "kv_lora_rank": 512, "max_position_embeddings": 163840, "model_type": "deepseek_v2",
  "moe_intermediate_size": 1408, "moe_layer_freq": 1, "n_group": 1, "n_routed_experts": 64,
  "n_shared_experts": 2, "norm_topk_prob": false, "num_attention_heads": 16, "num_experts_per_tok": 6,
  "num_hidden_layers": 27, "num_key_value_heads": 16, "pretraining_tp": 1, "q_lora_rank": null,
  "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "rms_norm_eps": 1e-06,
  "rope_scaling": {"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 0.707, "mscale_all_dim": 0.707,
                   "original_max_position_embeddings": 4096, "type": "yarn"},
  "rope_theta": 10000, "routed_scaling_factor": 1.0, "scoring_func": "softmax", "seq_aux": true,
  "tie_word_embeddings": false, "topk_group": 1, "topk_method": "greedy", "torch_dtype": "bfloat16",
  "transformers_version": "4.33.1", "use_cache": true, "v_head_dim": 128, "vocab_size": 102400})");
}

ws::Result<ws::ModelConfig> parse(const json& j) { return ws::ModelConfig::parse(j.dump(), "config.json"); }

TEST(Config, ReadsThePublishedV3Config) {
    auto r = parse(v3Json());
    ASSERT_TRUE(r.isOk()) << r.status().message();
    const ws::ModelConfig& c = r.value();
    EXPECT_TRUE(c.isV3());
    EXPECT_EQ(c.num_hidden_layers, 61);
    EXPECT_EQ(c.q_lora_rank, 1536);
    EXPECT_EQ(c.kvWidth(), 576);
    EXPECT_EQ(c.fp8_block_rows, 128);
    ASSERT_TRUE(c.rope_scaling.has_value());
    EXPECT_EQ(c.rope_scaling->original_max_position_embeddings, 4096);
    EXPECT_FALSE(c.isMoeLayer(2));
    EXPECT_TRUE(c.isMoeLayer(3));
    EXPECT_EQ(c.num_nextn_predict_layers, 1);
}

TEST(Config, ReadsThePublishedV2LiteConfig) {
    auto r = parse(v2LiteJson());
    ASSERT_TRUE(r.isOk()) << r.status().message();
    EXPECT_EQ(r->q_lora_rank, 0); // null: q_proj
    EXPECT_EQ(r->topk_method, ws::TopkMethod::Greedy);
    EXPECT_EQ(r->bos_token_id, 100000);
    EXPECT_EQ(r->fp8_block_rows, 0);
}

struct BadCase {
    const char* what;
    std::function<void(json&)> edit;
    const char* mustMention;
};

TEST(Config, EveryBadFieldIsNamed) {
    const BadCase cases[] = {
        {"unknown model type", [](json& j) { j["model_type"] = "llama"; }, "model_type"},
        {"missing hidden_size", [](json& j) { j.erase("hidden_size"); }, "hidden_size"},
        {"string for an integer", [](json& j) { j["num_hidden_layers"] = "61"; }, "num_hidden_layers"},
        {"negative size", [](json& j) { j["kv_lora_rank"] = -1; }, "kv_lora_rank"},
        {"odd rope dim", [](json& j) { j["qk_rope_head_dim"] = 63; }, "qk_rope_head_dim"},
        {"more experts per token than experts", [](json& j) { j["num_experts_per_tok"] = 300; }, "num_experts_per_tok"},
        {"groups not dividing experts", [](json& j) { j["n_group"] = 7; }, "n_group"},
        {"topk_group above n_group", [](json& j) { j["topk_group"] = 9; }, "topk_group"},
        {"unknown scoring", [](json& j) { j["scoring_func"] = "relu"; }, "scoring_func"},
        {"unknown topk method", [](json& j) { j["topk_method"] = "random"; }, "topk_method"},
        {"other rope scaling", [](json& j) { j["rope_scaling"]["type"] = "linear"; }, "rope_scaling"},
        {"int8 quantization", [](json& j) { j["quantization_config"]["quant_method"] = "int8"; }, "quant_method"},
        {"bad block size", [](json& j) { j["quantization_config"]["weight_block_size"] = {128}; }, "weight_block_size"},
        {"gelu", [](json& j) { j["hidden_act"] = "gelu"; }, "hidden_act"},
        {"absurd hidden size", [](json& j) { j["hidden_size"] = 1 << 29; }, "hidden_size"},
        {"GQA heads", [](json& j) { j["num_key_value_heads"] = 8; }, "num_key_value_heads"},
    };
    for (const BadCase& bc : cases) {
        json j = v3Json();
        bc.edit(j);
        auto r = parse(j);
        ASSERT_FALSE(r.isOk()) << bc.what;
        EXPECT_NE(r.status().message().find(bc.mustMention), std::string::npos) << bc.what << ": " << r.status().message();
        EXPECT_NE(r.status().message().find("config.json"), std::string::npos) << bc.what;
    }
    auto bad = ws::ModelConfig::parse("{\"model_type\": ", "x/config.json");
    ASSERT_FALSE(bad.isOk());
    EXPECT_NE(bad.status().message().find("x/config.json: malformed JSON"), std::string::npos);
    EXPECT_FALSE(ws::ModelConfig::parse("[1,2]", "config.json").isOk());
}

} // namespace
