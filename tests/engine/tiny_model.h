// Tiny model folders written from C++ for the gtest suites: ws::writeRandomModel plus a byte-level tokenizer
// (258 ids: BOS, EOS and the 256 bytes; no merges), so a test needs neither Python nor shared/.
#pragma once

#include "whalesong/random_model.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>
#include <vector>

namespace wstest {

namespace fs = std::filesystem;

/// config.json of a tiny DeepSeek-V3 (gen_tiny_model.py's _TINY/_V3 shape: 3 layers, the first dense, 8
/// experts in 4 groups, one MTP layer), with `vocab` ids; `fp8` adds the FP8 quantization_config.
inline nlohmann::json tinyConfig(int vocab = 300, bool fp8 = false) {
    nlohmann::json c = {{"architectures", {"DeepseekV3ForCausalLM"}},
                        {"model_type", "deepseek_v3"},
                        {"hidden_size", 96},
                        {"num_attention_heads", 4},
                        {"num_key_value_heads", 4},
                        {"qk_nope_head_dim", 16},
                        {"qk_rope_head_dim", 8},
                        {"v_head_dim", 16},
                        {"kv_lora_rank", 32},
                        {"q_lora_rank", 48},
                        {"intermediate_size", 160},
                        {"moe_intermediate_size", 48},
                        {"num_hidden_layers", 3},
                        {"first_k_dense_replace", 1},
                        {"moe_layer_freq", 1},
                        {"n_routed_experts", 8},
                        {"num_experts_per_tok", 3},
                        {"n_group", 4},
                        {"topk_group", 2},
                        {"n_shared_experts", 1},
                        {"topk_method", "noaux_tc"},
                        {"scoring_func", "sigmoid"},
                        {"norm_topk_prob", true},
                        {"routed_scaling_factor", 2.5},
                        {"num_nextn_predict_layers", 1},
                        {"vocab_size", vocab},
                        {"max_position_embeddings", 512},
                        {"rope_theta", 10000},
                        {"rms_norm_eps", 1e-6},
                        {"bos_token_id", 0},
                        {"eos_token_id", 1},
                        {"hidden_act", "silu"}};
    if (fp8)
        c["quantization_config"] = {
            {"quant_method", "fp8"}, {"fmt", "e4m3"}, {"weight_block_size", {128, 128}}};
    return c;
}

inline void writeText(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

/// tokenizer.json (byte-level BPE: 0 BOS, 1 EOS, 2..257 the bytes, no merges) and tokenizer_config.json.
inline void writeByteTokenizer(const fs::path& dir) {
    // GPT-2's byte → printable character map.
    std::vector<int> bs, cs;
    for (int b = 0; b < 256; ++b)
        if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))
            bs.push_back(b);
    cs = bs;
    for (int b = 0, n = 0; b < 256; ++b)
        if (std::find(bs.begin(), bs.end(), b) == bs.end()) {
            bs.push_back(b);
            cs.push_back(256 + n++);
        }
    const auto utf8 = [](int cp) {
        std::string s;
        if (cp < 0x80) {
            s += static_cast<char>(cp);
        } else {
            s += static_cast<char>(0xC0 | (cp >> 6));
            s += static_cast<char>(0x80 | (cp & 0x3F));
        }
        return s;
    };
    const std::string bos = "<｜begin▁of▁sentence｜>", eos = "<｜end▁of▁sentence｜>";
    nlohmann::json vocab = {{bos, 0}, {eos, 1}};
    for (std::size_t i = 0; i < bs.size(); ++i)
        vocab[utf8(cs[i])] = 2 + bs[i];
    const auto added = [](int id, const std::string& content) {
        return nlohmann::json{{"id", id},        {"content", content}, {"single_word", false},
                              {"lstrip", false}, {"rstrip", false},    {"normalized", false},
                              {"special", true}};
    };
    const nlohmann::json tok = {
        {"version", "1.0"},
        {"added_tokens", {added(0, bos), added(1, eos)}},
        {"normalizer", nullptr},
        {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
        {"decoder", {{"type", "ByteLevel"}}},
        {"model",
         {{"type", "BPE"}, {"dropout", nullptr}, {"vocab", vocab}, {"merges", nlohmann::json::array()}}}};
    writeText(dir / "tokenizer.json", tok.dump());
    writeText(dir / "tokenizer_config.json",
              nlohmann::json{{"add_bos_token", true}, {"bos_token", bos}, {"eos_token", eos}}.dump());
}

/// A fresh, empty folder under the test work dir, unique to this process and call.
inline fs::path freshDir(const std::string& tag) {
    static std::atomic<int> counter{0};
    const fs::path d = fs::path(WS_TEST_WORK_DIR) /
                       (tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

/// A complete tiny model folder: random weights + the byte tokenizer.
inline ws::Status writeTinyModel(const fs::path& dir, ws::RandomDtype dtype = ws::RandomDtype::BF16,
                                 std::uint64_t seed = 1, const nlohmann::json& config = tinyConfig()) {
    ws::RandomModelSpec spec;
    spec.configJson = config.dump(2);
    spec.dtype = dtype;
    spec.seed = seed;
    if (ws::Status st = ws::writeRandomModel(dir, spec); !st)
        return st;
    writeByteTokenizer(dir);
    return ws::Status::ok();
}

/// The whole file.
inline std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace wstest
