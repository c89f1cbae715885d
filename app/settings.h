// Settings: the local model, generation parameters, language and window state — persisted with QSettings;
// generation parameters can be overridden per conversation (kept in the conversation's settings JSON).
#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

#include "whalesong/sampler.h"

class QSettings;

enum class BackendChoice { Auto, Cpu, Cuda };
QString backendChoiceName(BackendChoice b);                          ///< "auto" | "cpu" | "cuda"
std::optional<BackendChoice> parseBackendChoice(const QString& s);

/// The local model; a change applies by reloading the model.
struct ModelSettings {
    QString folder;       ///< empty: the built-in demo model
    BackendChoice backend = BackendChoice::Auto;
    int gpu = 0;          ///< CUDA device index
    int threads = 0;      ///< CPU threads; 0 = one per core
    int contextLength = 8192; ///< tokens; clamped to the model's maximum when loading
    bool operator==(const ModelSettings&) const = default;
};

/// How answers are generated; applies to the next answer, no restart.
struct GenerationSettings {
    int maxTokens = 4096;          ///< 1..16384
    double temperature = 1.0;      ///< 0..2, as requested
    /// DeepSeek's temperature mapping (V3-0324 model card): a requested T ≤ 1 runs at 0.3·T, T in (1, 2] at T − 0.7.
    bool deepseekTemperatureMapping = true;
    double topP = 1.0;             ///< (0, 1]
    int topK = 0;                  ///< 0 = off
    double presencePenalty = 0.0;  ///< -2..2
    double frequencyPenalty = 0.0; ///< -2..2
    QStringList stop;              ///< at most 4, none empty
    std::optional<quint64> seed;   ///< none: a fresh random seed for each answer
    QString systemPrompt;          ///< empty: none

    bool operator==(const GenerationSettings&) const = default;

    /// The temperature the sampler runs at (after the mapping when it is on).
    double effectiveTemperature() const;
    /// Every value out of range, each naming its field (translated). Empty when valid.
    QStringList problems() const;
    /// The engine's parameters; `randomSeed` is used when no seed is set.
    ws::SamplingParams samplingParams(quint64 randomSeed) const;

    /// All fields as JSON (keys: max_tokens, temperature, deepseek_temperature_mapping, top_p, top_k,
    /// presence_penalty, frequency_penalty, stop, seed, system_prompt).
    QJsonObject toJson() const;
    /// Only the fields of `this` that differ from `base`: a conversation's overrides.
    QJsonObject overridesAgainst(const GenerationSettings& base) const;
    /// `this` with the fields present in `json` replaced (unknown keys and wrong types ignored).
    GenerationSettings withOverrides(const QJsonObject& json) const;
};

/// An OpenAI-compatible chat-completions endpoint the app can answer with instead of the local model: DeepSeek's
/// API, or a self-hosted SGLang / vLLM server (or another Whalesong).
struct RemoteEndpoint {
    enum class Kind { DeepSeekApi, SelfHosted };
    QString id;       ///< stable, generated when added
    QString name;     ///< shown in the settings and recorded with each answer
    Kind kind = Kind::SelfHosted;
    QString baseUrl;  ///< up to /v1, e.g. "https://api.deepseek.com/v1" or "http://gpu-box:30000/v1"
    QString apiKey;   ///< sent as "Authorization: Bearer"; never logged, never shown in errors
    QString model;    ///< "deepseek-chat", "deepseek-reasoner", "deepseek-ai/DeepSeek-V3" …
    bool operator==(const RemoteEndpoint&) const = default;

    /// The preset for DeepSeek's API (key still to fill in).
    static RemoteEndpoint deepSeekPreset();
    /// The preset for an SGLang (port 30000) or vLLM (port 8000) server on `host`.
    static RemoteEndpoint selfHostedPreset(const QString& host, int port);
    /// What is missing or malformed (translated, each naming the field). Empty when usable.
    QStringList problems() const;
    /// `baseUrl` + "/chat/completions" (a trailing slash or a full …/chat/completions is tolerated).
    QString chatCompletionsUrl() const;
    QString modelsUrl() const;
};

/// The OpenAI-compatible API server over the loaded model (the same one `whalesong-cli serve` runs).
struct ServerSettings {
    bool enabled = false;
    int port = 8000;
    bool lan = false;   ///< listen on all interfaces (then a key is required), else loopback only
    QString apiKey;     ///< empty: no key (loopback only)
    bool operator==(const ServerSettings&) const = default;
    /// Translated; empty when usable.
    QStringList problems() const;
    /// A fresh random key ("sk-ws-" and 32 hex digits).
    static QString generateKey();
};

/// Everything the app keeps between runs. load()/save() use the given QSettings (the app's default one).
struct AppSettings {
    ModelSettings model;
    GenerationSettings generation;
    QString language; ///< "" = follow the system; "en" | "zh_CN"
    QList<RemoteEndpoint> endpoints;
    QString activeEndpoint; ///< the id of the endpoint that answers; empty: the local model
    QStringList modelFolders; ///< folders the user added to look for models in (besides the hubs' caches)
    QString downloadSource = QStringLiteral("huggingface"); ///< HubSource::kindName: where downloads come from
    QString mirrorUrl;        ///< the Hugging Face mirror's address; empty: HubSource::defaultMirrorUrl()
    ServerSettings server;

    /// The endpoint that answers, if one is chosen and still exists.
    const RemoteEndpoint* answeringEndpoint() const;

    static AppSettings load(QSettings& s);
    void save(QSettings& s) const;
};
