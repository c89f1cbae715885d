// Model discovery: the models already on this computer — the Hugging Face cache, the ModelScope cache and the
// folders the user added — each with what it is (architecture, parameters, format, size) or why it cannot run.
// Blocking work on plain values: run it off the GUI thread (QtConcurrent).
#pragma once

#include "whalesong/model.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

/// Where to look.
struct DiscoveryRoots {
    /// Hugging Face hub caches ("models--ORG--NAME/snapshots/REV/…", files linked to ../../blobs).
    QStringList huggingFace;
    /// ModelScope caches ("models/ORG/NAME/…", and the older "ORG/NAME/…").
    QStringList modelScope;
    /// Folders the user added: a model folder or a .gguf file itself, or a folder holding them (two levels).
    QStringList userFolders;

    /// The caches as the hubs' own tools find them: HF_HUB_CACHE, else HF_HOME/hub, else
    /// XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub; MODELSCOPE_CACHE, else
    /// ~/.cache/modelscope/hub. Plus `userFolders`.
    static DiscoveryRoots fromEnvironment(const QStringList& userFolders = {});
};

/// One model found.
struct FoundModel {
    enum class Source { HuggingFace, ModelScope, UserFolder };
    Source source = Source::UserFolder;
    QString name;     ///< "deepseek-ai/DeepSeek-V2-Lite-Chat" (a cache's repository), or the folder's / file's name
    QString path;     ///< what --model and the settings take: the snapshot folder, the model folder or the .gguf
    QString revision; ///< Hugging Face: the snapshot's commit (refs/main's when there is one)
    QString format;   ///< "safetensors BF16", "safetensors F8_E4M3, F32", "GGUF Q4_K_M"; empty when unknown
    quint64 bytes = 0; ///< the files on disk, links followed
    QStringList problems; ///< why it cannot run, each naming the file or field (empty: it can)
    std::optional<ws::ModelInfo> info; ///< the model card, when readable
    bool runnable() const { return problems.isEmpty(); }
};

/// Every model under `roots`, in a stable order (source, then name, then path); each is inspected as the settings
/// dialog does (config.json or GGUF metadata, weight headers, tokenizer), so a model we cannot run is listed with
/// the reason, never hidden. Folders that hold no model at all are skipped.
std::vector<FoundModel> discoverModels(const DiscoveryRoots& roots);
