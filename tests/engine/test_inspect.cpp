// inspectModelFolder(): each problem of a folder named, several at once all listed, and a good folder's model
// card.
#include "tiny_model.h"
#include "whalesong/inspect.h"
#include "whalesong/model.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class InspectTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        s_good = new fs::path(wstest::freshDir("inspect-good"));
        const ws::Status st = wstest::writeTinyModel(*s_good, ws::RandomDtype::BF16, 3);
        ASSERT_TRUE(st.isOk()) << st.message();
    }
    static void TearDownTestSuite() {
        fs::remove_all(*s_good);
        delete s_good;
    }
    void SetUp() override {
        m_dir = wstest::freshDir("inspect");
        fs::remove(m_dir);
        fs::copy(*s_good, m_dir, fs::copy_options::recursive);
    }
    void TearDown() override { fs::remove_all(m_dir); }

    /// The one problem of the report that contains `needle` (fails unless there is exactly one).
    static std::string problemWith(const ws::FolderReport& r, const std::string& needle) {
        std::vector<std::string> hits;
        for (const auto& p : r.problems)
            if (p.find(needle) != std::string::npos)
                hits.push_back(p);
        EXPECT_EQ(hits.size(), 1u) << "problems containing '" << needle << "': " << join(r.problems);
        return hits.empty() ? std::string() : hits.front();
    }
    static std::string join(const std::vector<std::string>& v) {
        std::string s;
        for (const auto& p : v)
            s += "\n  " + p;
        return s;
    }
    void rewriteConfig(const std::function<void(json&)>& edit) const {
        json c = json::parse(wstest::readFile(m_dir / "config.json"));
        edit(c);
        wstest::writeText(m_dir / "config.json", c.dump(2));
    }

    static fs::path* s_good;
    fs::path m_dir;
};
fs::path* InspectTest::s_good = nullptr;

TEST_F(InspectTest, AGoodFolderHasNoProblemsAndTheModelCardModelLoadComputes) {
    const ws::FolderReport r = ws::inspectModelFolder(m_dir);
    EXPECT_TRUE(r.ok()) << join(r.problems);
    ASSERT_TRUE(r.config.has_value());
    ASSERT_TRUE(r.info.has_value());
    EXPECT_EQ(r.config->hidden_size, 96);
    auto m = ws::Model::load(m_dir);
    ASSERT_TRUE(m.isOk()) << m.status().message();
    const ws::ModelInfo& want = m.value()->info();
    EXPECT_EQ(r.info->architecture, "deepseek_v3");
    EXPECT_EQ(r.info->layers, want.layers);
    EXPECT_EQ(r.info->denseLayers, 1);
    EXPECT_EQ(r.info->routedExperts, 8);
    EXPECT_EQ(r.info->parametersTotal, want.parametersTotal);
    EXPECT_EQ(r.info->parametersActive, want.parametersActive);
    EXPECT_EQ(r.info->mtpParameters, want.mtpParameters);
    EXPECT_GT(r.info->mtpParameters, 0u); // the tiny config has one MTP layer, recognised and not counted
    EXPECT_EQ(r.info->weightDtypes, want.weightDtypes);
    EXPECT_EQ(r.info->weightBytes, fs::file_size(m_dir / "model.safetensors"));
    EXPECT_EQ(r.info->kvBytesPerToken, want.kvBytesPerToken);
    EXPECT_EQ(r.info->maxContext, 512);
}

TEST_F(InspectTest, AMissingFolderOrAFileIsOneProblem) {
    const ws::FolderReport missing = ws::inspectModelFolder(m_dir / "nowhere");
    ASSERT_EQ(missing.problems.size(), 1u) << join(missing.problems);
    EXPECT_NE(missing.problems[0].find("nowhere: missing"), std::string::npos) << missing.problems[0];
    EXPECT_FALSE(missing.config || missing.info);

    const ws::FolderReport file = ws::inspectModelFolder(m_dir / "config.json");
    ASSERT_EQ(file.problems.size(), 1u) << join(file.problems);
    EXPECT_NE(file.problems[0].find("config.json: not a folder"), std::string::npos) << file.problems[0];
}

TEST_F(InspectTest, ConfigMissingMalformedInvalidOrUnsupported) {
    fs::remove(m_dir / "config.json");
    ws::FolderReport r = ws::inspectModelFolder(m_dir);
    EXPECT_EQ(r.problems, std::vector<std::string>{"config.json: missing"});
    EXPECT_FALSE(r.config || r.info);

    wstest::writeText(m_dir / "config.json", "{\"model_type\": \"deepseek_v3\",");
    r = ws::inspectModelFolder(m_dir);
    ASSERT_EQ(r.problems.size(), 1u) << join(r.problems);
    EXPECT_EQ(r.problems[0].rfind("config.json: malformed JSON", 0), 0u) << r.problems[0];

    fs::copy_file(*s_good / "config.json", m_dir / "config.json", fs::copy_options::overwrite_existing);
    rewriteConfig([](json& c) { c["hidden_size"] = "wide"; });
    r = ws::inspectModelFolder(m_dir);
    ASSERT_EQ(r.problems.size(), 1u) << join(r.problems);
    EXPECT_EQ(r.problems[0], "config.json: field 'hidden_size' must be an integer, got \"wide\"");

    rewriteConfig([](json& c) {
        c["hidden_size"] = 96;
        c["model_type"] = "llama";
    });
    r = ws::inspectModelFolder(m_dir);
    ASSERT_EQ(r.problems.size(), 1u) << join(r.problems);
    EXPECT_NE(r.problems[0].find("model_type"), std::string::npos) << r.problems[0];
    EXPECT_NE(r.problems[0].find("llama"), std::string::npos) << r.problems[0];
    EXPECT_NE(r.problems[0].find("deepseek_v3"), std::string::npos) << r.problems[0];
}

TEST_F(InspectTest, NoWeightsAtAll) {
    fs::remove(m_dir / "model.safetensors");
    const ws::FolderReport r = ws::inspectModelFolder(m_dir);
    ASSERT_EQ(r.problems.size(), 1u) << join(r.problems);
    EXPECT_EQ(r.problems[0].rfind("model.safetensors: missing", 0), 0u) << r.problems[0];
    EXPECT_TRUE(r.config.has_value()); // the config is still read
    EXPECT_FALSE(r.info.has_value());
}

TEST_F(InspectTest, ShardsWithoutTheirIndexAreNamed) {
    fs::rename(m_dir / "model.safetensors", m_dir / "model-00001-of-00002.safetensors");
    const ws::FolderReport r = ws::inspectModelFolder(m_dir);
    ASSERT_EQ(r.problems.size(), 1u) << join(r.problems);
    EXPECT_NE(r.problems[0].find("model-00001-of-00002.safetensors"), std::string::npos) << r.problems[0];
}

TEST_F(InspectTest, EveryShardTheIndexListsButTheFolderLacksIsNamed) {
    // The index places its tensors in model.safetensors, plus two shards that are not there.
    json header;
    {
        const std::string st = wstest::readFile(m_dir / "model.safetensors");
        std::uint64_t n = 0;
        std::memcpy(&n, st.data(), 8);
        header = json::parse(st.substr(8, n));
    }
    json index = {{"metadata", json::object()}, {"weight_map", json::object()}};
    for (auto it = header.begin(); it != header.end(); ++it)
        if (it.key() != "__metadata__")
            index["weight_map"][it.key()] = "model.safetensors";
    index["weight_map"]["model.layers.9.extra.weight"] = "model-00002-of-00003.safetensors";
    index["weight_map"]["model.layers.9.other.weight"] = "model-00003-of-00003.safetensors";
    index["weight_map"]["model.layers.9.third.weight"] = "model.safetensors"; // listed where it is not
    wstest::writeText(m_dir / "model.safetensors.index.json", index.dump());
    const ws::FolderReport r = ws::inspectModelFolder(m_dir);
    EXPECT_EQ(r.problems.size(), 3u) << join(r.problems);
    EXPECT_EQ(problemWith(r, "model-00002-of-00003.safetensors"),
              "model-00002-of-00003.safetensors: missing (listed in model.safetensors.index.json)");
    problemWith(r, "model-00003-of-00003.safetensors: missing");
    problemWith(r, "model.layers.9.third.weight");
    EXPECT_FALSE(r.info.has_value());
}

TEST_F(InspectTest, SafetensorsHeaderErrorsAreNamed) {
    fs::resize_file(m_dir / "model.safetensors", 100); // the header now runs past the end of the file
    const ws::FolderReport r = ws::inspectModelFolder(m_dir);
    ASSERT_EQ(r.problems.size(), 1u) << join(r.problems);
    EXPECT_EQ(r.problems[0].rfind("model.safetensors: header length", 0), 0u) << r.problems[0];
    EXPECT_FALSE(r.info.has_value());
}

TEST_F(InspectTest, ConfigAndWeightsThatDisagreeNameTheTensorAndTheField) {
    rewriteConfig([](json& c) { c["intermediate_size"] = 128; });
    const ws::FolderReport r = ws::inspectModelFolder(m_dir);
    ASSERT_EQ(r.problems.size(), 1u) << join(r.problems);
    EXPECT_NE(r.problems[0].find("model.layers.0.mlp.gate_proj.weight"), std::string::npos) << r.problems[0];
    EXPECT_NE(r.problems[0].find("intermediate_size"), std::string::npos) << r.problems[0];
    EXPECT_NE(r.problems[0].find("[160,96]"), std::string::npos) << r.problems[0];
    EXPECT_TRUE(r.config.has_value());
    EXPECT_FALSE(r.info.has_value());
}

TEST_F(InspectTest, TokenizerMissingUnparseableOrTooBig) {
    fs::remove(m_dir / "tokenizer.json");
    ws::FolderReport r = ws::inspectModelFolder(m_dir);
    EXPECT_EQ(r.problems, std::vector<std::string>{"tokenizer.json: missing"});
    EXPECT_TRUE(r.info.has_value()); // config and weights agree: the model card is there

    wstest::writeText(m_dir / "tokenizer.json", "{\"model\": {\"type\": \"BPE\", ");
    r = ws::inspectModelFolder(m_dir);
    ASSERT_EQ(r.problems.size(), 1u) << join(r.problems);
    EXPECT_EQ(r.problems[0].rfind("tokenizer.json: malformed JSON", 0), 0u) << r.problems[0];

    fs::copy_file(*s_good / "tokenizer.json", m_dir / "tokenizer.json", fs::copy_options::overwrite_existing);
    fs::remove(m_dir / "tokenizer_config.json");
    r = ws::inspectModelFolder(m_dir);
    ASSERT_EQ(r.problems.size(), 1u) << join(r.problems);
    EXPECT_EQ(r.problems[0].rfind("tokenizer_config.json: missing", 0), 0u) << r.problems[0];

    // 258 tokenizer ids do not fit a vocab_size of 200 (weights rewritten to match the config).
    fs::remove(m_dir / "model.safetensors");
    ws::RandomModelSpec spec;
    spec.configJson = wstest::tinyConfig(200).dump();
    ASSERT_TRUE(ws::writeRandomModel(m_dir, spec).isOk());
    fs::copy_file(*s_good / "tokenizer_config.json", m_dir / "tokenizer_config.json");
    r = ws::inspectModelFolder(m_dir);
    ASSERT_EQ(r.problems.size(), 1u) << join(r.problems);
    EXPECT_EQ(r.problems[0], "tokenizer.json: 258 tokens, more than config.json vocab_size 200");
}

TEST_F(InspectTest, SeveralProblemsAreAllListed) {
    rewriteConfig([](json& c) { c.erase("kv_lora_rank"); });
    fs::resize_file(m_dir / "model.safetensors", 4);
    fs::remove(m_dir / "tokenizer.json");
    wstest::writeText(m_dir / "tokenizer_config.json", "{oops");
    const ws::FolderReport r = ws::inspectModelFolder(m_dir);
    EXPECT_EQ(r.problems.size(), 4u) << join(r.problems);
    problemWith(r, "config.json: field 'kv_lora_rank' is missing");
    problemWith(r, "model.safetensors: truncated");
    problemWith(r, "tokenizer.json: missing");
    problemWith(r, "tokenizer_config.json: malformed JSON");
    EXPECT_FALSE(r.ok());
    EXPECT_FALSE(r.config || r.info);
    // Names are relative to the folder the user chose.
    for (const auto& p : r.problems)
        EXPECT_EQ(p.find(m_dir.string()), std::string::npos) << p;
}

} // namespace
