// Model: a loaded DeepSeek-V3 / V2 checkpoint (weights memory-mapped), its tokenizer, and sessions over it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "whalesong/model_config.h"
#include "whalesong/session.h"
#include "whalesong/status.h"
#include "whalesong/tokenizer.h"

namespace ws {

class TokenVocabulary;

/// Cpu; Cuda (fails with a clear error when this build or this machine has none); Auto: a GPU when there is one,
/// else the CPU — backendName() then says which and why.
enum class Backend { Cpu, Cuda, Auto };
/// "cpu" | "cuda" | "auto"
const char* backendChoiceName(Backend b);
/// Parses "cpu" | "cuda" | "auto".
std::optional<Backend> parseBackend(std::string_view name);

struct LoadOptions {
    int threads = 0; ///< CPU threads; 0 = one per core
    Backend backend = Backend::Cpu;
    int gpu = 0;     ///< CUDA device index
    /// Tokens of KV cache a GPU must hold room for (its memory plan, checked before loading); 0 = the model's
    /// max_position_embeddings. The CPU allocates its cache as sessions grow and ignores this.
    int context = 0;
    /// Called on the loading thread as loading goes on: the fraction done (0..1, never decreasing) and what is
    /// being done ("tokenizer", "weights", …). Returning false cancels: load() then fails with Code::Cancelled
    /// and nothing stays allocated.
    std::function<bool(double fraction, std::string_view stage)> progress;
    /// Reads every weight page into memory while loading (with progress), so the first answer does not wait on
    /// page faults. Off: pages are read on first use. Skipped when the weights exceed 3/4 of the physical memory
    /// (they would only evict their own first pages).
    bool prefault = false;
};

struct SessionOptions {
    int contextLimit = 0; ///< tokens; 0 = the model's max_position_embeddings (a larger value is an error)
    /// Most prompt tokens one forward pass computes (longer prompts run in chunks of this size); 0 = the
    /// backend's own (CPU: as many as keep the activations within ~1 GiB, 512…4,096; GPU: 512). Larger values
    /// are capped at the backend's.
    int prefillChunk = 0;
};

/// What `whalesong-cli info` and the settings dialog show.
struct ModelInfo {
    std::string architecture;      ///< config.json model_type
    int layers = 0;
    int denseLayers = 0;
    int routedExperts = 0;
    int sharedExperts = 0;
    int expertsPerToken = 0;
    std::uint64_t parametersTotal = 0;  ///< main model, MTP excluded
    std::uint64_t parametersActive = 0; ///< per token: dense parts + the chosen experts + shared ones
    std::uint64_t mtpParameters = 0;
    std::vector<std::string> weightDtypes;
    std::uint64_t weightBytes = 0;      ///< bytes of the weight files (safetensors or GGUF)
    /// GGUF only: general.file_type as llama.cpp names it ("Q4_K_M") and the tensors of each ggml type.
    std::string fileType;
    struct TensorTypeShare {
        std::string type; ///< "q4_K", "f32" …
        int tensors = 0;
        std::uint64_t bytes = 0;
    };
    std::vector<TensorTypeShare> tensorTypes;
    std::uint64_t kvBytesPerToken = 0;  ///< latent + roped key, all layers (float32; a loaded model: its backend's type)
    int maxContext = 0;
    /// Weights plus the KV cache for `context` tokens.
    std::uint64_t memoryFor(int context) const {
        return weightBytes + kvBytesPerToken * static_cast<std::uint64_t>(context);
    }
};

/// What computes a loaded model (Model::backendInfo()).
struct BackendInfo {
    std::string name;                  ///< "cpu (avx512)", "cuda (NVIDIA H200)"
    std::string device;                ///< "cpu", "cuda:0"
    std::string kvType;                ///< element type of the KV cache: "f32", "bf16"
    std::uint64_t kvBytesPerToken = 0; ///< KV cache bytes per token, all layers, in that type
    int cpuThreads = 0;                ///< CPU threads it computes with (0: none)
};

/// generation_config.json defaults (absent fields stay empty).
struct GenerationDefaults {
    std::optional<float> temperature;
    std::optional<float> top_p;
};

namespace detail {
class BackendModel;
}

/// Immutable after load; newSession() may be called from any thread and sessions run concurrently.
class Model {
public:
    /// Loads `dir` (config.json, safetensors, tokenizer), or a `.gguf` file (the first part of a split set) of
    /// llama.cpp architecture deepseek2. Errors name the file, tensor, field or metadata key at fault.
    static Result<std::unique_ptr<Model>> load(const std::filesystem::path& dir, const LoadOptions& options = {});
    ~Model();

    const ModelConfig& config() const { return m_config; }
    const Tokenizer& tokenizer() const { return *m_tokenizer; }
    const ModelInfo& info() const { return m_info; }
    const GenerationDefaults& generationDefaults() const { return m_genDefaults; }
    /// The backend that runs this model.
    const BackendInfo& backendInfo() const;
    /// "cpu (avx512)" etc.; "cpu (avx512), auto" when Backend::Auto chose it.
    std::string backendName() const;
    /// With Backend::Auto: why that backend ("no CUDA device: …"); else empty.
    const std::string& backendNote() const { return m_backendNote; }

    /// A session owns its KV cache; it must not outlive the model.
    Result<std::unique_ptr<Session>> newSession(const SessionOptions& options = {}) const;
    /// The tokenizer's vocabulary as a byte trie for constrained decoding (built on first use, then shared).
    std::shared_ptr<const TokenVocabulary> tokenVocabulary() const;

private:
    Model() = default;
    ModelConfig m_config;
    ModelInfo m_info;
    GenerationDefaults m_genDefaults;
    std::unique_ptr<Tokenizer> m_tokenizer;
    std::unique_ptr<detail::BackendModel> m_backend;
    std::string m_backendNote; ///< why Backend::Auto chose what it chose
    mutable std::once_flag m_vocabOnce;
    mutable std::shared_ptr<const TokenVocabulary> m_vocab;
};

} // namespace ws
