// Hub: where model files come from — Hugging Face, a Hugging Face mirror, ModelScope (魔搭) — as URLs, the
// answers of their file-listing APIs, and the places the hubs' own tools keep what they download. Plain values;
// the network is DownloadManager's.
#pragma once

#include <QList>
#include <QString>
#include <QUrl>

#include <optional>

/// A hub to download from.
struct HubSource {
    enum class Kind { HuggingFace, Mirror, ModelScope };
    Kind kind = Kind::HuggingFace;
    QString baseUrl; ///< "https://huggingface.co", a mirror's "https://hf-mirror.com", "https://modelscope.cn"

    static HubSource huggingFace() { return {Kind::HuggingFace, QStringLiteral("https://huggingface.co")}; }
    static HubSource mirror(const QString& baseUrl) { return {Kind::Mirror, baseUrl}; }
    static HubSource modelScope() { return {Kind::ModelScope, QStringLiteral("https://modelscope.cn")}; }
    /// The mirror most of our Chinese-speaking users know.
    static QString defaultMirrorUrl() { return QStringLiteral("https://hf-mirror.com"); }

    /// "huggingface" | "mirror" | "modelscope" (settings, the downloads' state file).
    static QString kindName(Kind kind);
    static std::optional<Kind> parseKind(const QString& name);
    /// Whether the hub speaks Hugging Face's API (Hugging Face itself or a mirror).
    bool isHuggingFaceApi() const { return kind != Kind::ModelScope; }
    /// The revision a repository is read at unless another is named: "main" (Hugging Face), "master" (ModelScope).
    QString defaultRevision() const;
};

/// A repository on a hub, at a revision (branch, tag or commit).
struct HubRepo {
    QString id;       ///< "deepseek-ai/DeepSeek-V2-Lite-Chat"
    QString revision; ///< "main"; empty: the source's default
};

/// What a user pasted: "org/name", "org/name@revision", or a repository's page on a hub
/// (https://huggingface.co/org/name[/tree/rev], https://hf-mirror.com/org/name, https://modelscope.cn/models/org/name).
struct RepoReference {
    HubRepo repo;
    std::optional<HubSource> source; ///< the hub a URL names (a URL of another host: a mirror at that host)
};
/// The reference in `text`, or nullopt with `*error` (translated) saying what is wrong.
std::optional<RepoReference> parseRepoReference(const QString& text, QString* error);

/// One file of a repository as its hub lists it.
struct HubFile {
    QString path;    ///< "model-00001-of-000163.safetensors", "Q4_K_M/x-00001-of-00009.gguf"
    qint64 size = -1; ///< bytes; -1 when the hub does not say
    QString sha256;  ///< lowercase hex; the hub's checksum of the content (large files on Hugging Face, all on ModelScope)
    QString gitSha1; ///< Hugging Face's blob id (git's SHA-1 of "blob <size>\0" + content) of a small file
};

/// A repository's files at one commit.
struct HubListing {
    QString commit; ///< the commit the revision pointed to (ModelScope: the revision itself)
    QList<HubFile> files;
    qint64 totalBytes() const;
};

/// The listing API's address for `repo` on `source`.
QUrl listingUrl(const HubSource& source, const HubRepo& repo);
/// The address of one file of `repo` at `commit`.
QUrl fileUrl(const HubSource& source, const HubRepo& repo, const QString& commit, const QString& path);
/// The listing in a listing API's answer, or nullopt with `*error` naming the field at fault (untranslated detail).
std::optional<HubListing> parseListing(const HubSource& source, const QByteArray& json, QString* error);

/// The GGUF quantizations a listing offers, each with its files ("Q4_K_M" → its .gguf parts): a repository of
/// GGUF files usually holds many, and one is downloaded. Files are grouped by their folder when they sit in one
/// ("Q4_K_M/…"), else by their name without the split suffix. Empty when the repository holds no .gguf.
struct GgufChoice {
    QString name;         ///< "DeepSeek-V3-0324-Q4_K_M"
    QList<HubFile> files; ///< in order, the first part first
    qint64 totalBytes() const;
};
QList<GgufChoice> ggufChoices(const HubListing& listing);

/// The Hugging Face hub cache's folder for a repository: ROOT/models--ORG--NAME (huggingface_hub's layout:
/// blobs/<sha256 or blob id>, snapshots/<commit>/<path> linked to ../../blobs/…, refs/<revision> holding the commit).
QString huggingFaceRepoFolder(const QString& cacheRoot, const QString& repoId);
/// ModelScope's cache folder for a repository: ROOT/models/ORG/NAME, a "." written "___" as ModelScope's tools do.
QString modelScopeRepoFolder(const QString& cacheRoot, const QString& repoId);
/// The caches as the hubs' tools find them (HF_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME/huggingface/hub,
/// ~/.cache/huggingface/hub; MODELSCOPE_CACHE, ~/.cache/modelscope/hub).
QString defaultHuggingFaceCache();
QString defaultModelScopeCache();
