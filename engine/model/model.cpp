// Model::load: config.json + safetensors + tokenizer → a ready backend, with every problem named.
#include "whalesong/model.h"

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "backend.h"
#include "cpu/cpu_backend.h"
#include "model/safetensors.h"
#include "model/weights.h"

namespace ws {
namespace {

std::uint64_t matrixParams(const Matrix& m) { return static_cast<std::uint64_t>(m.rows) * static_cast<std::uint64_t>(m.cols); }
std::uint64_t mlpParams(const ExpertWeights& e) { return matrixParams(e.gate) + matrixParams(e.up) + matrixParams(e.down); }

ModelInfo computeInfo(const ModelConfig& c, const ModelWeights& w, std::uint64_t fileBytes) {
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
                               matrixParams(L.kv_b) + matrixParams(L.o);
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

GenerationDefaults readGenerationConfig(const std::filesystem::path& file) {
    GenerationDefaults d;
    std::ifstream in(file, std::ios::binary);
    if (!in) return d;
    std::ostringstream ss;
    ss << in.rdbuf();
    const auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (!j.is_object()) return d;
    if (j.contains("temperature") && j["temperature"].is_number()) d.temperature = j["temperature"].get<float>();
    if (j.contains("top_p") && j["top_p"].is_number()) d.top_p = j["top_p"].get<float>();
    return d;
}

} // namespace

Model::~Model() = default;

Result<std::unique_ptr<Model>> Model::load(const std::filesystem::path& dir, const LoadOptions& options) {
    using R = Result<std::unique_ptr<Model>>;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return R(Code::NotFound, dir.string() + ": not a model folder (missing)");
    auto config = ModelConfig::load(dir / "config.json");
    if (!config) return config.status();
    const ModelConfig& c = config.value();

    auto tokenizer = Tokenizer::load(dir);
    if (!tokenizer) return tokenizer.status();
    if (tokenizer.value()->size() > static_cast<std::size_t>(c.vocab_size))
        return R(Code::FormatError, (dir / "tokenizer.json").string() + ": " + std::to_string(tokenizer.value()->size()) +
                                        " tokens, more than config.json vocab_size " + std::to_string(c.vocab_size));

    auto store = TensorStore::open(dir);
    if (!store) return store.status();
    auto weights = ModelWeights::bind(store.value(), c);
    if (!weights) return weights.status();

    std::unique_ptr<Model> m(new Model());
    m->m_config = c;
    m->m_info = computeInfo(c, weights.value(), store.value().totalFileBytes());
    m->m_genDefaults = readGenerationConfig(dir / "generation_config.json");
    m->m_tokenizer = std::move(tokenizer.value());
    switch (options.backend) {
    case Backend::Cpu:
        m->m_backend = std::make_unique<cpu::CpuModel>(c, std::move(store.value()), std::move(weights.value()),
                                                       options.threads);
        break;
    }
    return m;
}

int Model::threads() const { return m_backend->threads(); }
std::string Model::backendName() const { return m_backend->name(); }

Result<std::unique_ptr<Session>> Model::newSession(const SessionOptions& options) const {
    using R = Result<std::unique_ptr<Session>>;
    int limit = options.contextLimit == 0 ? m_config.max_position_embeddings : options.contextLimit;
    if (limit < 1 || limit > m_config.max_position_embeddings)
        return R(Code::InvalidArgument, "context limit " + std::to_string(limit) + " outside [1, " +
                                            std::to_string(m_config.max_position_embeddings) +
                                            "] (config.json max_position_embeddings)");
    auto impl = m_backend->newSession(limit);
    if (!impl) return impl.status();
    return std::make_unique<Session>(std::move(impl.value()), limit, m_config.vocab_size);
}

} // namespace ws
