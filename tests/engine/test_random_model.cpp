// writeRandomModel(): determinism, the number formats it writes, its progress and cancel, its errors, and the
// demo config. (tests/engine/test_random_model.py checks its models' logits against the float64 reference.)
#include "tiny_model.h"
#include "whalesong/model.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// A safetensors file read whole: its header and each tensor's bytes.
struct Safetensors {
    explicit Safetensors(const fs::path& path) : bytes(wstest::readFile(path)) {
        std::uint64_t n = 0;
        std::memcpy(&n, bytes.data(), 8);
        header = json::parse(bytes.substr(8, n));
        header.erase("__metadata__");
        dataStart = 8 + n;
    }
    std::string dtype(const std::string& name) const { return header.at(name).at("dtype"); }
    std::vector<std::int64_t> shape(const std::string& name) const { return header.at(name).at("shape"); }
    std::string raw(const std::string& name) const {
        const auto& off = header.at(name).at("data_offsets");
        return bytes.substr(dataStart + off[0].get<std::size_t>(),
                            off[1].get<std::size_t>() - off[0].get<std::size_t>());
    }
    std::vector<float> f32(const std::string& name) const {
        const std::string r = raw(name);
        std::vector<float> v(r.size() / 4);
        std::memcpy(v.data(), r.data(), r.size());
        return v;
    }
    std::string bytes;
    json header;
    std::size_t dataStart = 0;
};

/// float64 value of an F8_E4M3 (fn) code, written out from the format's definition.
double e4m3(std::uint8_t c) {
    const int e = (c >> 3) & 0xF, m = c & 7;
    const double v = e == 0 ? m / 8.0 * std::ldexp(1.0, -6) : (1.0 + m / 8.0) * std::ldexp(1.0, e - 7);
    return (c & 0x80) ? -v : v;
}

/// float → bfloat16 bits, round to nearest even, computed in float64 from the two neighbours.
std::uint16_t bf16Nearest(float f) {
    const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
    const auto down = static_cast<std::uint16_t>(u >> 16);
    const auto up = static_cast<std::uint16_t>(down + 1);
    const auto value = [](std::uint16_t h) {
        return static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16));
    };
    const double dd = std::fabs(value(down) - f), du = std::fabs(value(up) - f);
    if (dd != du)
        return dd < du ? down : up;
    return (down & 1) == 0 ? down : up;
}

ws::Status write(const fs::path& dir, ws::RandomDtype dtype, std::uint64_t seed,
                 const json& config = wstest::tinyConfig()) {
    ws::RandomModelSpec spec;
    spec.configJson = config.dump(2);
    spec.dtype = dtype;
    spec.seed = seed;
    return ws::writeRandomModel(dir, spec);
}

TEST(RandomModel, SameSeedWritesByteIdenticalFilesAnotherSeedOtherWeights) {
    for (const auto dtype : {ws::RandomDtype::BF16, ws::RandomDtype::FP8}) {
        const json cfg = wstest::tinyConfig(300, dtype == ws::RandomDtype::FP8);
        const fs::path a = wstest::freshDir("rm-a"), b = wstest::freshDir("rm-b"),
                       c = wstest::freshDir("rm-c");
        ASSERT_TRUE(write(a, dtype, 42, cfg).isOk());
        ASSERT_TRUE(write(b, dtype, 42, cfg).isOk());
        ASSERT_TRUE(write(c, dtype, 43, cfg).isOk());
        const std::string wa = wstest::readFile(a / "model.safetensors");
        EXPECT_GT(wa.size(), 100000u);
        EXPECT_EQ(wa, wstest::readFile(b / "model.safetensors"));
        const Safetensors sa(a / "model.safetensors"), sc(c / "model.safetensors");
        EXPECT_EQ(sa.header, sc.header);                    // same layout …
        for (const auto& [name, entry] : sa.header.items()) // … every tensor drawn afresh
            EXPECT_NE(sa.raw(name), sc.raw(name)) << name;
        EXPECT_EQ(wstest::readFile(a / "config.json"), cfg.dump(2)); // verbatim
        for (const auto& d : {a, b, c})
            fs::remove_all(d);
    }
}

TEST(RandomModel, BF16IsTheF32WeightsRoundedToNearestEven) {
    const fs::path f = wstest::freshDir("rm-f32"), h = wstest::freshDir("rm-bf16");
    ASSERT_TRUE(write(f, ws::RandomDtype::F32, 9).isOk());
    ASSERT_TRUE(write(h, ws::RandomDtype::BF16, 9).isOk());
    const Safetensors sf(f / "model.safetensors"), sh(h / "model.safetensors");
    ASSERT_EQ(sf.header.size(), sh.header.size());
    std::size_t checked = 0;
    for (const auto& [name, entry] : sf.header.items()) {
        EXPECT_EQ(sf.dtype(name), "F32") << name;
        const std::vector<float> want = sf.f32(name);
        if (name.find("e_score_correction_bias") != std::string::npos) { // stays F32
            EXPECT_EQ(sh.dtype(name), "F32");
            EXPECT_EQ(sh.f32(name), want);
            continue;
        }
        ASSERT_EQ(sh.dtype(name), "BF16") << name;
        const std::string raw = sh.raw(name);
        ASSERT_EQ(raw.size(), want.size() * 2) << name;
        for (std::size_t i = 0; i < want.size(); ++i) {
            std::uint16_t got = 0;
            std::memcpy(&got, raw.data() + 2 * i, 2);
            ASSERT_EQ(got, bf16Nearest(want[i])) << name << "[" << i << "] = " << want[i];
        }
        checked += want.size();
    }
    EXPECT_GT(checked, 100000u);
    fs::remove_all(f);
    fs::remove_all(h);
}

TEST(RandomModel, WeightsAreNormalWithGenTinyModelsScales) {
    const fs::path d = wstest::freshDir("rm-scales");
    ASSERT_TRUE(write(d, ws::RandomDtype::F32, 5).isOk());
    const Safetensors s(d / "model.safetensors");
    const auto moments = [](const std::vector<float>& v, double& mean, double& var, double& kurtosis) {
        mean = var = kurtosis = 0;
        for (float x : v)
            mean += x;
        mean /= static_cast<double>(v.size());
        for (float x : v) {
            const double d2 = (x - mean) * (x - mean);
            var += d2;
            kurtosis += d2 * d2;
        }
        var /= static_cast<double>(v.size());
        kurtosis = kurtosis / static_cast<double>(v.size()) / (var * var);
    };
    double mean, var, kurt;
    // The embedding: N(0, 1), 300 × 96 draws.
    moments(s.f32("model.embed_tokens.weight"), mean, var, kurt);
    EXPECT_NEAR(mean, 0.0, 0.03);
    EXPECT_NEAR(var, 1.0, 0.05);
    EXPECT_NEAR(kurt, 3.0, 0.2);
    // Linears: N(0, 1/fan_in); the router 1.5/sqrt(fan_in); norms 1 + 0.1·N; the head 1/sqrt(hidden).
    const std::map<std::string, std::pair<double, double>> want = {
        {"model.layers.0.mlp.down_proj.weight", {0.0, 1.0 / 160}},
        {"model.layers.1.self_attn.q_b_proj.weight", {0.0, 1.0 / 48}},
        {"model.layers.2.mlp.gate.weight", {0.0, 2.25 / 96}},
        {"lm_head.weight", {0.0, 1.0 / 96}},
        {"model.layers.1.mlp.experts.5.up_proj.weight", {0.0, 1.0 / 96}},
        {"model.layers.3.eh_proj.weight", {0.0, 1.0 / 192}}, // the MTP layer
    };
    for (const auto& [name, mv] : want) {
        moments(s.f32(name), mean, var, kurt);
        EXPECT_NEAR(mean, mv.first, 4 * std::sqrt(mv.second / static_cast<double>(s.f32(name).size())))
            << name;
        EXPECT_NEAR(var / mv.second, 1.0, 0.2) << name;
    }
    std::vector<float> norms;
    for (const auto& [name, entry] : s.header.items())
        if (name.find("layernorm.weight") != std::string::npos) {
            const auto v = s.f32(name);
            norms.insert(norms.end(), v.begin(), v.end());
        }
    moments(norms, mean, var, kurt);
    EXPECT_NEAR(mean, 1.0, 0.01);
    EXPECT_NEAR(std::sqrt(var), 0.1, 0.01);
    fs::remove_all(d);
}

TEST(RandomModel, Fp8WeightsCarryBlockScalesThatMapEachBlocksLargestValueTo448) {
    // hidden 320 and ffn 200: blocks of 128 × 128 with partial ones at the edges.
    json cfg = wstest::tinyConfig(300, true);
    cfg["hidden_size"] = 320;
    cfg["intermediate_size"] = 200;
    const fs::path d = wstest::freshDir("rm-fp8");
    ASSERT_TRUE(write(d, ws::RandomDtype::FP8, 11, cfg).isOk());
    const Safetensors s(d / "model.safetensors");
    int fp8Tensors = 0;
    for (const auto& [name, entry] : s.header.items()) {
        const std::string dt = s.dtype(name);
        const bool linear = name.ends_with(".weight") && name.find("_proj") != std::string::npos &&
                            name.find("eh_proj") == std::string::npos; // the MTP eh_proj stays BF16
        if (name.ends_with("_scale_inv"))
            continue;
        if (name.find("e_score_correction_bias") != std::string::npos) {
            EXPECT_EQ(dt, "F32") << name;
            continue;
        }
        EXPECT_EQ(dt, linear ? "F8_E4M3" : "BF16") << name;
        if (!linear)
            continue;
        ++fp8Tensors;
        const auto shape = s.shape(name);
        const std::int64_t rows = shape[0], cols = shape[1], nbr = (rows + 127) / 128,
                           nbc = (cols + 127) / 128;
        ASSERT_EQ(s.dtype(name + "_scale_inv"), "F32");
        ASSERT_EQ(s.shape(name + "_scale_inv"), (std::vector<std::int64_t>{nbr, nbc})) << name;
        const std::vector<float> scale = s.f32(name + "_scale_inv");
        const std::string codes = s.raw(name);
        std::vector<double> blockMax(static_cast<std::size_t>(nbr * nbc), 0.0);
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t c = 0; c < cols; ++c) {
                const auto code = static_cast<std::uint8_t>(codes[static_cast<std::size_t>(r * cols + c)]);
                ASSERT_NE(code & 0x7F, 0x7F) << name << ": NaN code";
                double& m = blockMax[static_cast<std::size_t>((r / 128) * nbc + c / 128)];
                m = std::max(m, std::fabs(e4m3(code)));
            }
        for (std::size_t b = 0; b < blockMax.size(); ++b) {
            EXPECT_EQ(blockMax[b], 448.0) << name << " block " << b;
            // scale = amax / 448 with amax ~ a few sigma of N(0, f²/fan_in): of order 1e-3 .. 1e-1
            EXPECT_GT(scale[b], 1e-4f) << name;
            EXPECT_LT(scale[b], 1.0f) << name;
        }
        if (nbr * nbc > 1) { // the blocks' magnitudes differ, so do their scales
            EXPECT_NE(*std::min_element(scale.begin(), scale.end()),
                      *std::max_element(scale.begin(), scale.end()))
                << name;
        }
    }
    EXPECT_GT(fp8Tensors, 20);
    fs::remove_all(d);
}

TEST(RandomModel, EveryDtypeLoadsAndRunsWithTheEngine) {
    for (const auto dtype : {ws::RandomDtype::F32, ws::RandomDtype::BF16, ws::RandomDtype::FP8}) {
        const fs::path d = wstest::freshDir("rm-load");
        ASSERT_TRUE(
            wstest::writeTinyModel(d, dtype, 21, wstest::tinyConfig(300, dtype == ws::RandomDtype::FP8))
                .isOk());
        ws::LoadOptions opt;
        opt.threads = 1;
        auto m = ws::Model::load(d, opt);
        ASSERT_TRUE(m.isOk()) << m.status().message();
        EXPECT_GT(m.value()->info().mtpParameters, 0u); // the MTP layer is written and recognised
        auto s = m.value()->newSession();
        ASSERT_TRUE(s.isOk());
        const std::vector<ws::TokenId> ids = {0, 50, 80, 120};
        auto logits = s.value()->append(ids);
        ASSERT_TRUE(logits.isOk()) << logits.status().message();
        double sumSq = 0;
        for (float x : logits.value()) {
            ASSERT_TRUE(std::isfinite(x));
            sumSq += static_cast<double>(x) * x;
        }
        const double rms = std::sqrt(sumSq / 300.0);
        EXPECT_GT(rms, 0.1);  // activations of order one: neither vanishing …
        EXPECT_LT(rms, 10.0); // … nor exploding
        fs::remove_all(d);
    }
}

TEST(RandomModel, ProgressIsMonotonicEndsAtOneAndACancelLeavesNoFile) {
    const fs::path d = wstest::freshDir("rm-progress");
    ws::RandomModelSpec spec;
    spec.configJson = wstest::tinyConfig().dump();
    std::vector<double> calls;
    spec.progress = [&calls](double f) {
        calls.push_back(f);
        return true;
    };
    ASSERT_TRUE(ws::writeRandomModel(d, spec).isOk());
    ASSERT_GT(calls.size(), 20u);
    for (std::size_t i = 1; i < calls.size(); ++i)
        EXPECT_GE(calls[i], calls[i - 1]);
    EXPECT_GT(calls.front(), 0.0);
    EXPECT_EQ(calls.back(), 1.0);
    fs::remove_all(d);

    for (const std::size_t at : {std::size_t{0}, calls.size() / 2, calls.size() - 1}) {
        const fs::path c = wstest::freshDir("rm-cancel");
        std::size_t n = 0;
        spec.progress = [&n, at](double) { return n++ != at; };
        const ws::Status st = ws::writeRandomModel(c, spec);
        EXPECT_EQ(st.code(), ws::Code::Cancelled) << st.message();
        EXPECT_NE(st.message().find("model.safetensors"), std::string::npos) << st.message();
        EXPECT_EQ(n, at + 1);
        EXPECT_TRUE(fs::is_empty(c)) << "cancel at " << at << " left " << fs::directory_iterator(c)->path();
        fs::remove_all(c);
    }
}

TEST(RandomModel, RefusesBadSpecsNamingTheCulpritAndWritesNothing) {
    const fs::path d = wstest::freshDir("rm-bad");
    ws::RandomModelSpec spec;
    spec.configJson = wstest::tinyConfig().dump(); // no quantization_config
    spec.dtype = ws::RandomDtype::FP8;
    ws::Status st = ws::writeRandomModel(d, spec);
    EXPECT_EQ(st.code(), ws::Code::InvalidArgument);
    EXPECT_NE(st.message().find("quantization_config"), std::string::npos) << st.message();

    json cfg = wstest::tinyConfig();
    cfg["kv_lora_rank"] = -3;
    spec.configJson = cfg.dump();
    spec.dtype = ws::RandomDtype::BF16;
    st = ws::writeRandomModel(d, spec);
    EXPECT_EQ(st.code(), ws::Code::FormatError);
    EXPECT_NE(st.message().find("config.json: field 'kv_lora_rank'"), std::string::npos) << st.message();

    spec.configJson = "{\"model_type\": ";
    st = ws::writeRandomModel(d, spec);
    EXPECT_NE(st.message().find("config.json: malformed JSON"), std::string::npos) << st.message();
    EXPECT_TRUE(fs::is_empty(d));

    // A config for a model far bigger than the disk is refused before a byte is written.
    cfg = wstest::tinyConfig();
    cfg["vocab_size"] = 1 << 24;
    cfg["hidden_size"] = 1 << 20;
    spec.configJson = cfg.dump();
    st = ws::writeRandomModel(d, spec);
    EXPECT_EQ(st.code(), ws::Code::IoError);
    EXPECT_NE(st.message().find("model.safetensors: needs"), std::string::npos) << st.message();
    EXPECT_TRUE(fs::is_empty(d));
    fs::remove_all(d);
}

TEST(RandomModel, ReplacesAnEarlierModelAndItsStaleIndex) {
    const fs::path d = wstest::freshDir("rm-replace");
    ASSERT_TRUE(wstest::writeTinyModel(d, ws::RandomDtype::BF16, 1).isOk());
    wstest::writeText(d / "model.safetensors.index.json",
                      "{\"weight_map\": {\"x\": \"model-00001-of-00002.safetensors\"}}");
    ASSERT_TRUE(write(d, ws::RandomDtype::F32, 2).isOk());
    EXPECT_FALSE(fs::exists(d / "model.safetensors.index.json"));
    auto m = ws::Model::load(d);
    ASSERT_TRUE(m.isOk()) << m.status().message();
    EXPECT_EQ(m.value()->info().weightDtypes, std::vector<std::string>{"F32"});
    fs::remove_all(d);
}

TEST(RandomModel, DemoConfigIsGenTinyModelsDemoPreset) {
    auto c = ws::ModelConfig::parse(ws::demoModelConfigJson(), "demo config.json");
    ASSERT_TRUE(c.isOk()) << c.status().message();
    EXPECT_EQ(c.value().model_type, "deepseek_v3");
    EXPECT_EQ(c.value().hidden_size, 256);
    EXPECT_EQ(c.value().num_hidden_layers, 4);
    EXPECT_EQ(c.value().n_routed_experts, 16);
    EXPECT_EQ(c.value().vocab_size, 129280);
    EXPECT_EQ(c.value().max_position_embeddings, 4096);
    EXPECT_EQ(c.value().fp8_block_rows, 0);

    // The Python generator's demo preset, as config.json (with the real tokenizer's vocabulary).
    const fs::path out = wstest::freshDir("rm-demo-config") / "config.json";
    const std::string cmd =
        std::string(WS_PYTHON) + " -c \"import sys, json; sys.path.insert(0, '" + WS_SOURCE_DIR +
        "/tools'); import gen_tiny_model as g; p = dict(g.PRESETS['demo'], vocab_size=129280); "
        "json.dump(g.make_config(p), open('" +
        out.string() + "', 'w'), indent=2)\"";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    EXPECT_EQ(json::parse(ws::demoModelConfigJson()), json::parse(wstest::readFile(out)));
    EXPECT_EQ(ws::demoModelConfigJson(),
              wstest::readFile(out) + "\n"); // byte for byte, as the generator writes it
    fs::remove_all(out.parent_path());
}

} // namespace
