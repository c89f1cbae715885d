// The GPU memory plan (planModelMemory): weights as shipped counted from the config by hand, the KV cache in BF16,
// and the verdict — fits, or the bytes needed and free and the longest context that fits.
#include "tiny_model.h"
#include "whalesong/memory_plan.h"

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using u64 = std::uint64_t;

/// Bytes the forward pass reads, from tinyConfig()'s shapes alone (MTP layer excluded: it is not run). Matrices
/// as stored — BF16, or under FP8 e4m3 plus a float per 128×128 block for the linear layers (embeddings, head and
/// router stay BF16) — and norms and the router bias as float32.
u64 expectedWeightBytes(const nlohmann::json& c, bool fp8) {
    const u64 H = c["hidden_size"], nh = c["num_attention_heads"], dn = c["qk_nope_head_dim"];
    const u64 dr = c["qk_rope_head_dim"], dv = c["v_head_dim"], R = c["kv_lora_rank"], Q = c["q_lora_rank"];
    const u64 F = c["intermediate_size"], M = c["moe_intermediate_size"], L = c["num_hidden_layers"];
    const u64 E = c["n_routed_experts"], S = c["n_shared_experts"], V = c["vocab_size"];
    const u64 dense = c["first_k_dense_replace"];
    const auto linear = [&](u64 rows, u64 cols) {
        return fp8 ? rows * cols + ((rows + 127) / 128) * ((cols + 127) / 128) * 4 : rows * cols * 2;
    };
    const auto mlp = [&](u64 ffn) { return 2 * linear(ffn, H) + linear(H, ffn); };
    u64 b = 2 * V * H * 2 + H * 4; // embed, lm_head, final norm
    for (u64 l = 0; l < L; ++l) {
        b += 2 * H * 4 + Q * 4 + R * 4; // the two layer norms, q_a and kv_a norms
        b += linear(Q, H) + linear(nh * (dn + dr), Q) + linear(R + dr, H) + linear(nh * (dn + dv), R) +
             linear(H, nh * dv);
        if (l < dense) {
            b += mlp(F);
        } else {
            b += E * H * 2 + E * 4; // router (BF16) and its bias
            b += E * mlp(M) + mlp(M * S);
        }
    }
    return b;
}

class MemoryPlanTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        s_bf16 = new fs::path(wstest::freshDir("plan-bf16"));
        s_fp8 = new fs::path(wstest::freshDir("plan-fp8"));
        ASSERT_TRUE(wstest::writeTinyModel(*s_bf16, ws::RandomDtype::BF16, 5).isOk());
        ASSERT_TRUE(wstest::writeTinyModel(*s_fp8, ws::RandomDtype::FP8, 5, wstest::tinyConfig(300, true)).isOk());
    }
    static void TearDownTestSuite() {
        fs::remove_all(*s_bf16);
        fs::remove_all(*s_fp8);
        delete s_bf16;
        delete s_fp8;
    }
    static std::vector<ws::GpuInfo> gpu(u64 freeBytes) {
        ws::GpuInfo g;
        g.name = "test GPU";
        g.freeBytes = g.totalBytes = freeBytes;
        return {g};
    }
    static fs::path* s_bf16;
    static fs::path* s_fp8;
};
fs::path* MemoryPlanTest::s_bf16 = nullptr;
fs::path* MemoryPlanTest::s_fp8 = nullptr;

TEST_F(MemoryPlanTest, WeightsAreCountedAsShippedAndEveryTensorIsPlaced) {
    for (const bool fp8 : {false, true}) {
        ws::MemoryPlanOptions o;
        o.context = 100;
        auto plan = ws::planModelMemory(fp8 ? *s_fp8 : *s_bf16, gpu(u64{1} << 40), o);
        ASSERT_TRUE(plan) << plan.status().message();
        const ws::MemoryPlan& p = plan.value();
        ASSERT_EQ(p.devices.size(), 1u);
        EXPECT_EQ(p.devices[0].weightBytes, expectedWeightBytes(wstest::tinyConfig(300, fp8), fp8)) << "fp8 " << fp8;
        // 3 layers × (kv_lora_rank 32 + rope 8) × BF16
        EXPECT_EQ(p.kvBytesPerToken, 3u * 40u * 2u);
        EXPECT_EQ(p.devices[0].kvBytes, 100u * 3u * 40u * 2u);
        EXPECT_GT(p.devices[0].workspaceBytes, 0u);
        u64 sum = 0;
        for (const ws::TensorPlacement& t : p.tensors) {
            EXPECT_EQ(t.device, 0) << t.name;
            EXPECT_GT(t.bytes, 0u) << t.name;
            EXPECT_EQ(t.name.find("layers.3."), std::string::npos) << "the MTP layer is not run: " << t.name;
            sum += t.bytes;
        }
        EXPECT_EQ(sum, p.devices[0].weightBytes);
        EXPECT_TRUE(p.fits);
        EXPECT_EQ(p.maxContext, 512); // max_position_embeddings
        EXPECT_TRUE(p.problem.empty());
    }
}

TEST_F(MemoryPlanTest, TooLittleMemoryNamesBytesAndTheContextThatFits) {
    ws::MemoryPlanOptions o;
    o.context = 512;
    o.reserveBytes = 0;
    o.sessions = 4;
    auto full = ws::planModelMemory(*s_bf16, gpu(u64{1} << 40), o);
    ASSERT_TRUE(full);
    const ws::DeviceMemory& d = full.value().devices[0];
    // Enough for everything but the last 50 tokens of each session's cache.
    const u64 freeBytes = d.neededBytes() - 50 * 4 * full.value().kvBytesPerToken;
    auto plan = ws::planModelMemory(*s_bf16, gpu(freeBytes), o);
    ASSERT_TRUE(plan);
    const ws::MemoryPlan& p = plan.value();
    EXPECT_FALSE(p.fits);
    ASSERT_GT(p.maxContext, 0);
    EXPECT_LT(p.maxContext, 512);
    // maxContext is the longest that fits: it fits, one more does not.
    o.context = p.maxContext;
    EXPECT_TRUE(ws::planModelMemory(*s_bf16, gpu(freeBytes), o).value().fits);
    o.context = p.maxContext + 1;
    EXPECT_FALSE(ws::planModelMemory(*s_bf16, gpu(freeBytes), o).value().fits);
    EXPECT_NE(p.problem.find("GPU 0 (test GPU)"), std::string::npos) << p.problem;
    EXPECT_NE(p.problem.find("a context of " + std::to_string(p.maxContext) + " tokens would fit"), std::string::npos)
        << p.problem;
    EXPECT_NE(p.problem.find("free"), std::string::npos) << p.problem;

    // Less than the weights: nothing fits.
    auto tiny = ws::planModelMemory(*s_bf16, gpu(d.weightBytes / 2), o);
    ASSERT_TRUE(tiny);
    EXPECT_FALSE(tiny.value().fits);
    EXPECT_EQ(tiny.value().maxContext, 0);
    EXPECT_NE(tiny.value().problem.find("not even the weights fit"), std::string::npos) << tiny.value().problem;
}

TEST_F(MemoryPlanTest, AMissingGpuOrABadContextIsSaid) {
    ws::MemoryPlanOptions o;
    o.gpu = 2;
    auto p = ws::planModelMemory(*s_bf16, gpu(u64{1} << 40), o);
    ASSERT_TRUE(p);
    EXPECT_FALSE(p.value().fits);
    EXPECT_NE(p.value().problem.find("GPU 2 does not exist (1 visible)"), std::string::npos) << p.value().problem;
    o.gpu = 0;
    o.context = 513;
    auto bad = ws::planModelMemory(*s_bf16, gpu(u64{1} << 40), o);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.status().message().find("max_position_embeddings"), std::string::npos);
    auto missing = ws::planModelMemory(*s_bf16 / "nope", gpu(u64{1} << 40), ws::MemoryPlanOptions{});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.status().message().find("config.json"), std::string::npos) << missing.status().message();
}

} // namespace
