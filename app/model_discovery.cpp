// Model discovery: walks the hub caches and the user's folders; every model found is inspected by the engine.
#include "model_discovery.h"

#include "hub.h"

#include "whalesong/inspect.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <filesystem>

namespace {

/// A .gguf file that starts a model: a single file, or the first part of a split set.
bool isFirstGguf(const QFileInfo& f) {
    if (!f.isFile() || !f.fileName().endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive))
        return false;
    static const QRegularExpression part(QStringLiteral("-(\\d{5})-of-(\\d{5})\\.gguf$"),
                                         QRegularExpression::CaseInsensitiveOption);
    const auto m = part.match(f.fileName());
    return !m.hasMatch() || m.captured(1).toInt() == 1;
}

/// The bytes of a model: a folder's files (links followed), or a GGUF file with the other parts of its set.
quint64 bytesOf(const QString& path) {
    const QFileInfo info(path);
    quint64 total = 0;
    if (info.isDir()) {
        QDirIterator it(path, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            it.next();
            total += static_cast<quint64>(std::max<qint64>(0, it.fileInfo().size())); // size() follows links
        }
        return total;
    }
    static const QRegularExpression part(QStringLiteral("^(.*)-\\d{5}-of-(\\d{5})\\.gguf$"),
                                         QRegularExpression::CaseInsensitiveOption);
    if (const auto m = part.match(info.fileName()); m.hasMatch()) {
        const int parts = m.captured(2).toInt();
        for (int i = 1; i <= parts; ++i) {
            const QFileInfo p(info.dir().filePath(QStringLiteral("%1-%2-of-%3.gguf")
                                                      .arg(m.captured(1))
                                                      .arg(i, 5, 10, QLatin1Char('0'))
                                                      .arg(m.captured(2))));
            total += static_cast<quint64>(std::max<qint64>(0, p.size()));
        }
        return total;
    }
    return static_cast<quint64>(std::max<qint64>(0, info.size()));
}

FoundModel inspect(FoundModel::Source source, const QString& name, const QString& path, const QString& revision) {
    FoundModel m;
    m.source = source;
    m.name = name;
    m.path = path;
    m.revision = revision;
    m.bytes = bytesOf(path);
    const ws::FolderReport report = ws::inspectModelFolder(std::filesystem::path(QFile::encodeName(path).toStdString()));
    for (const std::string& p : report.problems)
        m.problems << QString::fromStdString(p);
    m.info = report.info;
    if (m.info && !m.info->fileType.empty()) {
        m.format = QStringLiteral("GGUF ") + QString::fromStdString(m.info->fileType);
    } else if (m.info && !m.info->weightDtypes.empty()) {
        QStringList types;
        for (const std::string& t : m.info->weightDtypes)
            types << QString::fromStdString(t);
        m.format = QStringLiteral("safetensors ") + types.join(QStringLiteral(", "));
    } else if (path.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive)) {
        m.format = QStringLiteral("GGUF");
    } else if (!QDir(path).entryList({QStringLiteral("*.safetensors")}, QDir::Files).isEmpty()) {
        m.format = QStringLiteral("safetensors");
    }
    return m;
}

/// The models in one folder: the folder itself when it has a config.json, and the .gguf files in it and one level
/// below (repositories of quantizations keep each in a subfolder). `name` names them; a GGUF adds its file.
void modelsIn(const QString& dir, FoundModel::Source source, const QString& name, const QString& revision,
              std::vector<FoundModel>& out) {
    const QDir d(dir);
    if (QFileInfo(d.filePath(QStringLiteral("config.json"))).isFile())
        out.push_back(inspect(source, name, d.absolutePath(), revision));
    std::vector<QString> ggufs;
    QDirIterator it(dir, QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot);
    while (it.hasNext()) {
        it.next();
        const QFileInfo f = it.fileInfo();
        if (isFirstGguf(f)) {
            ggufs.push_back(f.absoluteFilePath());
        } else if (f.isDir() && !f.fileName().startsWith(QLatin1Char('.'))) {
            for (const QFileInfo& g : QDir(f.absoluteFilePath()).entryInfoList(QDir::Files))
                if (isFirstGguf(g))
                    ggufs.push_back(g.absoluteFilePath());
        }
    }
    std::sort(ggufs.begin(), ggufs.end());
    for (const QString& g : ggufs)
        out.push_back(inspect(source, name + QLatin1Char('/') + d.relativeFilePath(g), g, revision));
}

void scanHuggingFace(const QString& cache, std::vector<FoundModel>& out) {
    const QDir root(cache);
    for (const QFileInfo& repo : root.entryInfoList({QStringLiteral("models--*")}, QDir::Dirs | QDir::NoDotAndDotDot)) {
        // models--deepseek-ai--DeepSeek-V3 → deepseek-ai/DeepSeek-V3 (the hub forbids "--" inside a name part)
        const QString name = repo.fileName().mid(8).replace(QStringLiteral("--"), QStringLiteral("/"));
        const QDir snapshots(QDir(repo.absoluteFilePath()).filePath(QStringLiteral("snapshots")));
        QStringList revisions;
        QFile ref(QDir(repo.absoluteFilePath()).filePath(QStringLiteral("refs/main")));
        if (ref.open(QIODevice::ReadOnly)) {
            const QString main = QString::fromLatin1(ref.readAll().trimmed());
            if (!main.isEmpty() && snapshots.exists(main))
                revisions << main;
        }
        if (revisions.isEmpty()) // no main: every snapshot there is (a pinned revision, a branch)
            revisions = snapshots.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
        for (const QString& rev : revisions)
            modelsIn(snapshots.filePath(rev), FoundModel::Source::HuggingFace, name, rev, out);
    }
}

void scanModelScope(const QString& cache, std::vector<FoundModel>& out) {
    // Newer ModelScope keeps models under models/ORG/NAME, older ones under ORG/NAME; a "." in a name is "___".
    for (const QString& base : {QDir(cache).filePath(QStringLiteral("models")), cache}) {
        const QDir root(base);
        for (const QFileInfo& org : root.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            if (org.fileName().startsWith(QLatin1Char('.')) || org.fileName().startsWith(QLatin1Char('_')) ||
                (base == cache && org.fileName() == QLatin1String("models")))
                continue;
            for (const QFileInfo& model : QDir(org.absoluteFilePath()).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
                if (model.fileName().startsWith(QLatin1Char('.')))
                    continue;
                QString name = org.fileName() + QLatin1Char('/') + model.fileName();
                name.replace(QStringLiteral("___"), QStringLiteral("."));
                modelsIn(model.absoluteFilePath(), FoundModel::Source::ModelScope, name, {}, out);
            }
        }
    }
}

void scanUserFolder(const QString& folder, std::vector<FoundModel>& out) {
    const QFileInfo f(folder);
    if (f.isFile()) {
        if (isFirstGguf(f))
            out.push_back(inspect(FoundModel::Source::UserFolder, f.fileName(), f.absoluteFilePath(), {}));
        return;
    }
    if (!f.isDir())
        return;
    const QDir d(folder);
    if (QFileInfo(d.filePath(QStringLiteral("config.json"))).isFile()) { // the folder is a model
        modelsIn(folder, FoundModel::Source::UserFolder, d.dirName(), {}, out);
        return;
    }
    // A folder of models: its GGUF files, and each subfolder with a config.json or GGUF files
    for (const QFileInfo& g : d.entryInfoList(QDir::Files, QDir::Name))
        if (isFirstGguf(g))
            out.push_back(inspect(FoundModel::Source::UserFolder, g.fileName(), g.absoluteFilePath(), {}));
    for (const QFileInfo& sub : d.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
        if (!sub.fileName().startsWith(QLatin1Char('.')))
            modelsIn(sub.absoluteFilePath(), FoundModel::Source::UserFolder, sub.fileName(), {}, out);
}

} // namespace

DiscoveryRoots DiscoveryRoots::fromEnvironment(const QStringList& userFolders) {
    DiscoveryRoots r;
    r.huggingFace << defaultHuggingFaceCache();
    r.modelScope << defaultModelScopeCache();
    r.userFolders = userFolders;
    return r;
}

std::vector<FoundModel> discoverModels(const DiscoveryRoots& roots) {
    std::vector<FoundModel> out;
    for (const QString& c : roots.huggingFace)
        scanHuggingFace(c, out);
    for (const QString& c : roots.modelScope)
        scanModelScope(c, out);
    for (const QString& u : roots.userFolders)
        scanUserFolder(u, out);
    std::stable_sort(out.begin(), out.end(), [](const FoundModel& a, const FoundModel& b) {
        if (a.source != b.source)
            return a.source < b.source;
        if (a.name != b.name)
            return a.name < b.name;
        return a.path < b.path;
    });
    // The same model reached twice (a user folder inside a cache) is listed once, where it comes first.
    QSet<QString> seen;
    std::vector<FoundModel> unique;
    for (FoundModel& m : out) {
        const QString canonical = QFileInfo(m.path).canonicalFilePath();
        if (seen.contains(canonical))
            continue;
        seen.insert(canonical);
        unique.push_back(std::move(m));
    }
    return unique;
}
