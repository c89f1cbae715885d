// Model::load: config.json + safetensors + tokenizer → a ready backend, with every problem named.
#include "whalesong/model.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "backends.h"
#include "model/gguf_model.h"
#include "model/safetensors.h"
#include "model/weights.h"
#include "whalesong/grammar.h"

namespace ws {
namespace {

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

std::uint64_t physicalMemoryBytes() {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page)
                                 : std::numeric_limits<std::uint64_t>::max();
}

/// The stages of Model::load, each with its share of the [0, 1] progress range (proportional to an estimate of
/// its cost), forwarded to LoadOptions::progress. Reports never decrease and the last one is 1.
class LoadProgress {
public:
    enum Stage { kConfig, kTokenizer, kWeights, kPrefault, kStages };

    LoadProgress(const std::filesystem::path& dir, const LoadOptions& options) : m_fn(options.progress) {
        if (!m_fn) return;
        // Costs in "bytes read into memory": parsing tokenizer.json is ~20 times slower per byte than faulting
        // in weight pages; a safetensors header (mmap + JSON) ~ 1 MiB; config.json next to nothing.
        namespace fs = std::filesystem;
        std::error_code ec;
        std::uintmax_t tokBytes = fs::file_size(dir / "tokenizer.json", ec);
        if (ec) tokBytes = 0;
        std::uint64_t files = 0, weightBytes = 0;
        if (fs::is_regular_file(dir, ec)) { // a GGUF file: one header, the tokenizer inside it
            files = 1;
            tokBytes = 0;
            const std::uintmax_t size = fs::file_size(dir, ec);
            weightBytes = ec ? 0 : size;
        }
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            if (e.path().extension() != ".safetensors") continue;
            ++files;
            std::error_code sizeEc;
            const std::uintmax_t size = e.file_size(sizeEc);
            if (!sizeEc) weightBytes += size;
        }
        const std::array<double, kStages> cost = {
            1e5, 20.0 * static_cast<double>(tokBytes) + 1e5,
            static_cast<double>(std::max<std::uint64_t>(files, 1)) * (1 << 20),
            options.prefault ? static_cast<double>(weightBytes) : 0.0};
        double sum = 0;
        for (double c : cost) sum += c;
        double at = 0;
        for (int i = 0; i < kStages; ++i) {
            m_start[static_cast<std::size_t>(i)] = at / sum;
            at += cost[static_cast<std::size_t>(i)];
        }
        m_start[kStages] = 1.0;
    }

    /// Reports `fraction` (0..1) of `stage` done; false when the callback asked to cancel.
    bool report(Stage stage, double fraction) {
        if (!m_fn) return true;
        const auto i = static_cast<std::size_t>(stage);
        const double f = m_start[i] + std::clamp(fraction, 0.0, 1.0) * (m_start[i + 1] - m_start[i]);
        m_last = std::clamp(std::max(m_last, f), 0.0, 1.0);
        return m_fn(m_last, kNames[i]);
    }
    /// The final report: exactly 1.
    bool finish(Stage stage) {
        if (!m_fn) return true;
        m_last = 1.0;
        return m_fn(1.0, kNames[static_cast<std::size_t>(stage)]);
    }

private:
    static constexpr std::array<const char*, kStages> kNames = {"config", "tokenizer", "weights", "prefault"};
    std::function<bool(double, std::string_view)> m_fn;
    std::array<double, kStages + 1> m_start{};
    double m_last = 0;
};

} // namespace

Model::~Model() = default;

std::shared_ptr<const TokenVocabulary> Model::tokenVocabulary() const {
    std::call_once(m_vocabOnce, [this] {
        m_vocab = TokenVocabulary::build(*m_tokenizer);
        prepareJsonWalks(m_vocab);
    });
    return m_vocab;
}

namespace {

/// What a model folder or a GGUF file gives before the weights are bound: the common input of Model::load.
struct ModelSource {
    ModelConfig config;
    std::unique_ptr<Tokenizer> tokenizer;
    TensorStore store;
    GenerationDefaults generation;
    std::string fileType;                             ///< GGUF only
    std::vector<ModelInfo::TensorTypeShare> tensorTypes; ///< GGUF only
};

Status cancelledAt(const std::filesystem::path& path, const char* stage) {
    return {Code::Cancelled, path.string() + ": loading cancelled (" + stage + ")"};
}

/// config.json, tokenizer.json (+ tokenizer_config.json) and the safetensors headers of a folder.
Result<ModelSource> readFolder(const std::filesystem::path& dir, LoadProgress& progress) {
    ModelSource src;
    if (!progress.report(LoadProgress::kConfig, 0)) return cancelledAt(dir, "config");
    auto config = ModelConfig::load(dir / "config.json");
    if (!config) return config.status();
    src.config = std::move(config.value());
    if (!progress.report(LoadProgress::kTokenizer, 0)) return cancelledAt(dir, "tokenizer");
    auto tokenizer = Tokenizer::load(dir);
    if (!tokenizer) return tokenizer.status();
    src.tokenizer = std::move(tokenizer.value());
    if (src.tokenizer->size() > static_cast<std::size_t>(src.config.vocab_size))
        return Status{Code::FormatError, (dir / "tokenizer.json").string() + ": " + std::to_string(src.tokenizer->size()) +
                                             " tokens, more than config.json vocab_size " +
                                             std::to_string(src.config.vocab_size)};
    if (!progress.report(LoadProgress::kWeights, 0)) return cancelledAt(dir, "weights");
    // Headers: 90% of the stage, binding the rest.
    auto store = TensorStore::open(dir, [&](std::uint64_t done, std::uint64_t total) {
        return progress.report(LoadProgress::kWeights, 0.9 * static_cast<double>(done) / static_cast<double>(total));
    });
    if (!store) return store.status();
    src.store = std::move(store.value());
    src.generation = readGenerationConfig(dir / "generation_config.json");
    return src;
}

/// A .gguf file (or split set): the metadata as config and tokenizer, the tensors renamed.
Result<ModelSource> readGguf(const std::filesystem::path& file, LoadProgress& progress) {
    ModelSource src;
    if (!progress.report(LoadProgress::kConfig, 0)) return cancelledAt(file, "config");
    auto gguf = openGgufModel(file);
    if (!gguf) return gguf.status();
    GgufModel& g = gguf.value();
    src.config = g.config;
    if (!progress.report(LoadProgress::kTokenizer, 0)) return cancelledAt(file, "tokenizer");
    auto tokenizer = tokenizerFromGguf(g.files->first());
    if (!tokenizer) return tokenizer.status();
    src.tokenizer = std::move(tokenizer.value());
    if (src.tokenizer->size() > static_cast<std::size_t>(src.config.vocab_size))
        return Status{Code::FormatError, file.string() + ": " + std::to_string(src.tokenizer->size()) +
                                             " tokens, more than the model's vocab_size " +
                                             std::to_string(src.config.vocab_size)};
    if (!progress.report(LoadProgress::kWeights, 0)) return cancelledAt(file, "weights");
    src.store = std::move(g.store);
    src.fileType = g.fileType;
    for (const GgufTypeShare& t : g.typeMix) src.tensorTypes.push_back({t.type, t.tensors, t.bytes});
    return src;
}

} // namespace

Result<std::unique_ptr<Model>> Model::load(const std::filesystem::path& dir, const LoadOptions& options) {
    // The backend first: a request the build or the machine cannot serve fails before anything is read.
    auto choice = detail::chooseBackend(options);
    if (!choice) return choice.status();

    using R = Result<std::unique_ptr<Model>>;
    std::error_code ec;
    const bool gguf = isGgufPath(dir) && std::filesystem::is_regular_file(dir, ec);
    if (!gguf && !std::filesystem::is_directory(dir, ec))
        return R(Code::NotFound, dir.string() + ": not a model folder (missing)");
    LoadProgress progress(dir, options);
    // Everything below is owned by locals until the end, so a cancel or an error frees it all.
    auto source = gguf ? readGguf(dir, progress) : readFolder(dir, progress);
    if (!source) return source.status();
    ModelSource& src = source.value();
    const ModelConfig& c = src.config;
    auto weights = ModelWeights::bind(src.store, c);
    if (!weights) return weights.status();
    LoadProgress::Stage last = LoadProgress::kWeights;

    if (options.prefault) {
        last = LoadProgress::kPrefault;
        if (!progress.report(LoadProgress::kPrefault, 0)) return cancelledAt(dir, "prefault");
        // Weights that do not fit in memory would only evict their own first pages: skipped (reported done).
        if (src.store.totalFileBytes() <= physicalMemoryBytes() / 4 * 3) {
            WS_TRY(src.store.prefault([&](std::uint64_t done, std::uint64_t total) {
                return progress.report(LoadProgress::kPrefault, static_cast<double>(done) / static_cast<double>(total));
            }));
        }
    }

    std::unique_ptr<Model> m(new Model());
    m->m_config = c;
    m->m_info = computeModelInfo(c, weights.value(), src.store.totalFileBytes());
    m->m_info.fileType = src.fileType;
    m->m_info.tensorTypes = src.tensorTypes;
    m->m_genDefaults = src.generation;
    m->m_tokenizer = std::move(src.tokenizer);
    auto backend = detail::createBackend(choice.value(), c, std::move(src.store), std::move(weights.value()), options);
    if (!backend) return backend.status();
    m->m_backend = std::move(backend.value());
    m->m_info.kvBytesPerToken = m->m_backend->describe().kvBytesPerToken;
    m->m_backendNote = choice.value().note;
    if (!progress.finish(last)) return cancelledAt(dir, last == LoadProgress::kPrefault ? "prefault" : "weights");
    return m;
}

const BackendInfo& Model::backendInfo() const { return m_backend->describe(); }
std::string Model::backendName() const {
    const std::string& name = m_backend->describe().name;
    return m_backendNote.empty() ? name : name + ", auto";
}

const char* backendChoiceName(Backend b) {
    switch (b) {
    case Backend::Cpu: return "cpu";
    case Backend::Cuda: return "cuda";
    case Backend::Auto: return "auto";
    }
    return "?";
}

std::optional<Backend> parseBackend(std::string_view name) {
    if (name == "cpu") return Backend::Cpu;
    if (name == "cuda") return Backend::Cuda;
    if (name == "auto") return Backend::Auto;
    return std::nullopt;
}

Result<std::unique_ptr<Session>> Model::newSession(const SessionOptions& options) const {
    using R = Result<std::unique_ptr<Session>>;
    int limit = options.contextLimit == 0 ? m_config.max_position_embeddings : options.contextLimit;
    if (limit < 1 || limit > m_config.max_position_embeddings)
        return R(Code::InvalidArgument, "context limit " + std::to_string(limit) + " outside [1, " +
                                            std::to_string(m_config.max_position_embeddings) +
                                            "] (config.json max_position_embeddings)");
    auto impl = m_backend->newSession(limit);
    if (!impl) return impl.status();
    if (options.prefillChunk < 0)
        return R(Code::InvalidArgument, "prefill chunk " + std::to_string(options.prefillChunk) + " is negative");
    return std::make_unique<Session>(std::move(impl.value()), *m_backend, limit, m_config.vocab_size,
                                     options.prefillChunk);
}

} // namespace ws
