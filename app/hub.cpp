// Hub: the three hubs' addresses, their listing APIs' answers parsed, GGUF quantizations grouped, cache folders.
#include "hub.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRegularExpression>
#include <QUrlQuery>

namespace {

QString envPath(const char* name) { return QFile::decodeName(qgetenv(name)); }

QString trimmedBase(const HubSource& source) {
    QString base = source.baseUrl.trimmed();
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    return base;
}

/// Each segment of a repository path percent-encoded, the slashes kept.
QString encodedPath(const QString& path) {
    QStringList parts;
    for (const QString& p : path.split(QLatin1Char('/')))
        parts << QString::fromLatin1(QUrl::toPercentEncoding(p));
    return parts.join(QLatin1Char('/'));
}

const QRegularExpression& repoIdPattern() {
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$"));
    return re;
}

bool isHexOf(const QString& s, int length) {
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]+$"));
    return s.size() == length && hex.match(s).hasMatch();
}

} // namespace

QString HubSource::kindName(Kind kind) {
    switch (kind) {
    case Kind::HuggingFace: return QStringLiteral("huggingface");
    case Kind::Mirror: return QStringLiteral("mirror");
    case Kind::ModelScope: return QStringLiteral("modelscope");
    }
    return {};
}

std::optional<HubSource::Kind> HubSource::parseKind(const QString& name) {
    for (Kind k : {Kind::HuggingFace, Kind::Mirror, Kind::ModelScope})
        if (kindName(k) == name)
            return k;
    return std::nullopt;
}

QString HubSource::defaultRevision() const {
    return kind == Kind::ModelScope ? QStringLiteral("master") : QStringLiteral("main");
}

std::optional<RepoReference> parseRepoReference(const QString& text, QString* error) {
    const QString t = text.trimmed();
    RepoReference ref;
    QString id = t;
    if (t.contains(QLatin1String("://"))) {
        const QUrl url(t);
        if (!url.isValid() || url.host().isEmpty() || (url.scheme() != QLatin1String("https") &&
                                                      url.scheme() != QLatin1String("http"))) {
            *error = QCoreApplication::translate("Hub", "“%1” is not a web address of a model.").arg(t);
            return std::nullopt;
        }
        QStringList parts = url.path().split(QLatin1Char('/'), Qt::SkipEmptyParts);
        const QString base = url.scheme() + QLatin1String("://") + url.authority();
        const QString host = url.host().toLower();
        if (host == QLatin1String("modelscope.cn") || host.endsWith(QLatin1String(".modelscope.cn"))) {
            ref.source = HubSource{HubSource::Kind::ModelScope, base};
            if (!parts.isEmpty() && parts.front() == QLatin1String("models"))
                parts.removeFirst();
            if (parts.size() >= 4 && parts[2] == QLatin1String("files")) // …/files?Revision=… is not in the path
                parts = parts.mid(0, 2);
        } else {
            ref.source = HubSource{host == QLatin1String("huggingface.co") ? HubSource::Kind::HuggingFace
                                                                           : HubSource::Kind::Mirror,
                                   base};
            if (!parts.isEmpty() && parts.front() == QLatin1String("models"))
                parts.removeFirst();
            if (parts.size() >= 4 && (parts[2] == QLatin1String("tree") || parts[2] == QLatin1String("blob") ||
                                      parts[2] == QLatin1String("resolve")))
                ref.repo.revision = parts[3];
        }
        if (parts.size() < 2) {
            *error = QCoreApplication::translate("Hub", "“%1” names no repository (ORGANIZATION/NAME).").arg(t);
            return std::nullopt;
        }
        id = parts[0] + QLatin1Char('/') + parts[1];
    } else if (const qsizetype at = t.indexOf(QLatin1Char('@')); at > 0) {
        id = t.left(at);
        ref.repo.revision = t.mid(at + 1);
        if (ref.repo.revision.isEmpty() || ref.repo.revision.contains(QLatin1Char(' ')) ||
            ref.repo.revision.contains(QLatin1String("..")) || ref.repo.revision.startsWith(QLatin1Char('/'))) {
            *error = QCoreApplication::translate("Hub", "“%1” has an empty or malformed revision after @.").arg(t);
            return std::nullopt;
        }
    }
    if (!repoIdPattern().match(id).hasMatch()) {
        *error = QCoreApplication::translate(
                     "Hub", "“%1” is not a repository: write ORGANIZATION/NAME, e.g. deepseek-ai/DeepSeek-V2-Lite-Chat, "
                            "or paste the model's address.")
                     .arg(t);
        return std::nullopt;
    }
    ref.repo.id = id;
    return ref;
}

qint64 HubListing::totalBytes() const {
    qint64 n = 0;
    for (const HubFile& f : files)
        n += std::max<qint64>(0, f.size);
    return n;
}

qint64 GgufChoice::totalBytes() const {
    qint64 n = 0;
    for (const HubFile& f : files)
        n += std::max<qint64>(0, f.size);
    return n;
}

QUrl listingUrl(const HubSource& source, const HubRepo& repo) {
    const QString rev = repo.revision.isEmpty() ? source.defaultRevision() : repo.revision;
    if (source.isHuggingFaceApi()) {
        QUrl url(trimmedBase(source) + QLatin1String("/api/models/") + encodedPath(repo.id) +
                 QLatin1String("/revision/") + QString::fromLatin1(QUrl::toPercentEncoding(rev)));
        url.setQuery(QStringLiteral("blobs=true"));
        return url;
    }
    QUrl url(trimmedBase(source) + QLatin1String("/api/v1/models/") + encodedPath(repo.id) +
             QLatin1String("/repo/files"));
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("Revision"), rev);
    q.addQueryItem(QStringLiteral("Recursive"), QStringLiteral("true"));
    url.setQuery(q);
    return url;
}

QUrl fileUrl(const HubSource& source, const HubRepo& repo, const QString& commit, const QString& path) {
    if (source.isHuggingFaceApi())
        return QUrl(trimmedBase(source) + QLatin1Char('/') + encodedPath(repo.id) + QLatin1String("/resolve/") +
                    QString::fromLatin1(QUrl::toPercentEncoding(commit)) + QLatin1Char('/') + encodedPath(path));
    QUrl url(trimmedBase(source) + QLatin1String("/api/v1/models/") + encodedPath(repo.id) + QLatin1String("/repo"));
    // Every byte of the values encoded but the slashes: a "+" or "%" in a file name reaches the server as itself.
    url.setQuery(QLatin1String("Revision=") + QString::fromLatin1(QUrl::toPercentEncoding(commit)) +
                     QLatin1String("&FilePath=") + QString::fromLatin1(QUrl::toPercentEncoding(path, "/")),
                 QUrl::StrictMode);
    return url;
}

std::optional<HubListing> parseListing(const HubSource& source, const QByteArray& json, QString* error) {
    QJsonParseError pe{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = QStringLiteral("the listing is not a JSON object (%1 at byte %2)").arg(pe.errorString()).arg(pe.offset);
        return std::nullopt;
    }
    const QJsonObject root = doc.object();
    HubListing out;
    auto checkPath = [&](const QString& path, const QString& field) {
        // A path that could leave the destination folder is refused, whatever the hub says.
        if (path.isEmpty() || path.startsWith(QLatin1Char('/')) || path.contains(QLatin1Char('\\')) ||
            path.split(QLatin1Char('/')).contains(QStringLiteral("..")) ||
            path.split(QLatin1Char('/')).contains(QStringLiteral(".")) ||
            path.split(QLatin1Char('/')).contains(QString())) {
            *error = QStringLiteral("%1 is not a relative path inside the repository: “%2”").arg(field, path);
            return false;
        }
        return true;
    };
    if (source.isHuggingFaceApi()) {
        out.commit = root.value(QLatin1String("sha")).toString();
        if (!isHexOf(out.commit, 40)) {
            *error = QStringLiteral("“sha” is not a 40-digit commit id");
            return std::nullopt;
        }
        const QJsonValue siblings = root.value(QLatin1String("siblings"));
        if (!siblings.isArray()) {
            *error = QStringLiteral("“siblings” is missing or not an array");
            return std::nullopt;
        }
        int i = 0;
        for (const QJsonValue& v : siblings.toArray()) {
            const QString field = QStringLiteral("siblings[%1]").arg(i++);
            const QJsonObject o = v.toObject();
            HubFile f;
            f.path = o.value(QLatin1String("rfilename")).toString();
            if (!checkPath(f.path, field + QLatin1String(".rfilename")))
                return std::nullopt;
            f.size = o.contains(QLatin1String("size")) ? o.value(QLatin1String("size")).toInteger(-1) : -1;
            const QJsonObject lfs = o.value(QLatin1String("lfs")).toObject();
            if (!lfs.isEmpty()) {
                f.sha256 = lfs.value(QLatin1String("sha256")).toString().toLower();
                if (!isHexOf(f.sha256, 64)) {
                    *error = field + QStringLiteral(".lfs.sha256 is not a SHA-256");
                    return std::nullopt;
                }
                f.size = lfs.value(QLatin1String("size")).toInteger(f.size);
            } else {
                f.gitSha1 = o.value(QLatin1String("blobId")).toString().toLower();
                if (!f.gitSha1.isEmpty() && !isHexOf(f.gitSha1, 40)) {
                    *error = field + QStringLiteral(".blobId is not a 40-digit id");
                    return std::nullopt;
                }
            }
            out.files << f;
        }
        return out;
    }
    // ModelScope: {"Code": 200, "Data": {"Files": [{"Path", "Type": "blob"|"tree", "Size", "Sha256"}]}}
    const QJsonValue files = root.value(QLatin1String("Data")).toObject().value(QLatin1String("Files"));
    if (!files.isArray()) {
        const QString message = root.value(QLatin1String("Message")).toString();
        *error = message.isEmpty() ? QStringLiteral("“Data.Files” is missing or not an array") : message;
        return std::nullopt;
    }
    int i = 0;
    for (const QJsonValue& v : files.toArray()) {
        const QString field = QStringLiteral("Data.Files[%1]").arg(i++);
        const QJsonObject o = v.toObject();
        if (o.value(QLatin1String("Type")).toString() == QLatin1String("tree"))
            continue;
        HubFile f;
        f.path = o.value(QLatin1String("Path")).toString();
        if (!checkPath(f.path, field + QLatin1String(".Path")))
            return std::nullopt;
        f.size = o.contains(QLatin1String("Size")) ? o.value(QLatin1String("Size")).toInteger(-1) : -1;
        f.sha256 = o.value(QLatin1String("Sha256")).toString().toLower();
        if (!f.sha256.isEmpty() && !isHexOf(f.sha256, 64)) {
            *error = field + QStringLiteral(".Sha256 is not a SHA-256");
            return std::nullopt;
        }
        out.files << f;
    }
    return out;
}

QList<GgufChoice> ggufChoices(const HubListing& listing) {
    static const QRegularExpression split(QStringLiteral("-\\d{5}-of-\\d{5}$"));
    QMap<QString, GgufChoice> groups;
    for (const HubFile& f : listing.files) {
        if (!f.path.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive))
            continue;
        const QFileInfo info(f.path);
        QString key = f.path.contains(QLatin1Char('/')) ? f.path.section(QLatin1Char('/'), 0, -2)
                                                        : info.completeBaseName().remove(split);
        GgufChoice& g = groups[key];
        g.name = key.section(QLatin1Char('/'), -1);
        g.files << f;
    }
    QList<GgufChoice> out;
    for (GgufChoice& g : groups) {
        std::sort(g.files.begin(), g.files.end(), [](const HubFile& a, const HubFile& b) { return a.path < b.path; });
        out << g;
    }
    return out;
}

QString huggingFaceRepoFolder(const QString& cacheRoot, const QString& repoId) {
    return QDir(cacheRoot).filePath(QLatin1String("models--") + QString(repoId).replace(QLatin1Char('/'), QLatin1String("--")));
}

QString modelScopeRepoFolder(const QString& cacheRoot, const QString& repoId) {
    // ModelScope's own tools write a "." of the name as "___" (deepseek-ai/DeepSeek-V2___5).
    return QDir(cacheRoot).filePath(QLatin1String("models/") + QString(repoId).replace(QLatin1Char('.'), QLatin1String("___")));
}

QString defaultHuggingFaceCache() {
    QString hf = envPath("HF_HUB_CACHE");
    if (!hf.isEmpty())
        return hf;
    QString hfHome = envPath("HF_HOME");
    if (hfHome.isEmpty()) {
        QString xdgCache = envPath("XDG_CACHE_HOME");
        if (xdgCache.isEmpty())
            xdgCache = QDir(QDir::homePath()).filePath(QStringLiteral(".cache"));
        hfHome = QDir(xdgCache).filePath(QStringLiteral("huggingface"));
    }
    return QDir(hfHome).filePath(QStringLiteral("hub"));
}

QString defaultModelScopeCache() {
    const QString ms = envPath("MODELSCOPE_CACHE");
    return ms.isEmpty() ? QDir(QDir::homePath()).filePath(QStringLiteral(".cache/modelscope/hub")) : ms;
}
