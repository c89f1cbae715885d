// DemoModel: writes the built-in demo model into a temporary sibling folder, then renames it into place.
#include "demo_model.h"

#include "whalesong/random_model.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QSaveFile>
#include <QStandardPaths>
#include <filesystem>

namespace DemoModel {
namespace {

// "Whaleson" in ASCII (6298391197064064878): the demo's weights never change (resources/demo/README.md).
constexpr std::uint64_t kSeed = 0x5768616C65736F6EULL;
const QString kMarker = QStringLiteral("whalesong-demo.json");

/// Every file of a complete demo model; the marker is written last.
QStringList modelFiles() {
    return {QStringLiteral("config.json"), QStringLiteral("model.safetensors"),
            QStringLiteral("tokenizer.json"), QStringLiteral("tokenizer_config.json"), kMarker};
}

std::string local(const QString& path) {
    return QFile::encodeName(QDir::toNativeSeparators(path)).toStdString();
}

bool isComplete(const QString& folder) {
    for (const QString& name : modelFiles())
        if (!QFileInfo(QDir(folder).filePath(name)).isFile())
            return false;
    return isDemo(folder);
}

/// Removes a folder tree; true when it is gone.
bool removeTree(const QString& path) {
    QDir d(path);
    return !d.exists() || d.removeRecursively();
}

ws::Status writeFile(const QString& path, const QByteArray& bytes) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit())
        return {ws::Code::IoError, local(path) + ": cannot write: " + f.errorString().toStdString()};
    return ws::Status::ok();
}

ws::Status copyResource(const QString& resource, const QString& path) {
    QFile in(resource);
    if (!in.open(QIODevice::ReadOnly))
        return {ws::Code::Internal, resource.toStdString() + ": missing from the application's resources"};
    return writeFile(path, in.readAll());
}

/// Removes the temporary folder unless released (the rename succeeded).
class TempFolder {
  public:
    explicit TempFolder(QString path) : m_path(std::move(path)) {}
    ~TempFolder() {
        if (!m_released)
            removeTree(m_path);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;
    void release() { m_released = true; }

  private:
    QString m_path;
    bool m_released = false;
};

} // namespace

QString defaultFolder() {
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("demo-model"));
}

bool isDemo(const QString& folder) {
    QFile f(QDir(folder).filePath(kMarker));
    if (!f.open(QIODevice::ReadOnly))
        return false;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll());
    return doc.isObject() && doc.object().value(QLatin1String("demo")).toBool(false);
}

ws::Status ensure(const QString& folderIn, const std::function<bool(double)>& progress) {
    const QString folder = QDir::cleanPath(QDir(folderIn).absolutePath());
    const QString temp = folder + QStringLiteral(".partial");
    const auto cancelled = [&] {
        return ws::Status(ws::Code::Cancelled, local(folder) + ": demo model creation cancelled");
    };
    const auto report = [&](double f) { return !progress || progress(f); };
    if (folderIn.isEmpty())
        return {ws::Code::InvalidArgument, "no folder given for the demo model"};
    // The common case, with no lock and no write: the model is there and nothing is left over.
    // Once the model is in place a cancel has nothing to undo: the final report(1.0)'s answer is not asked.
    if (isComplete(folder) && !QFileInfo::exists(temp)) {
        report(1.0);
        return ws::Status::ok();
    }

    if (!QDir().mkpath(QFileInfo(folder).absolutePath()))
        return {ws::Code::IoError, local(QFileInfo(folder).absolutePath()) + ": cannot create the folder"};
    // One writer at a time, across processes; a lock left by a dead process is taken over (its PID is gone).
    QLockFile lock(folder + QStringLiteral(".lock"));
    lock.setStaleLockTime(0); // never by age: writing the model may take longer than any fixed time
    while (!lock.tryLock(100)) {
        if (lock.error() != QLockFile::LockFailedError)
            return {ws::Code::IoError,
                    local(folder + QStringLiteral(".lock")) + ": cannot create the lock file"};
        if (!report(0.0))
            return cancelled();
    }
    if (!removeTree(temp))
        return {ws::Code::IoError, local(temp) + ": cannot remove the leftover folder"};
    if (isComplete(folder)) { // another thread or process made it meanwhile
        report(1.0);
        return ws::Status::ok();
    }

    if (QFileInfo(folder).exists()) { // incomplete: replace it, but only if it holds nothing of anyone else's
        const QStringList known = modelFiles();
        for (const QString& name :
             QDir(folder).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden))
            if (!known.contains(name))
                return {ws::Code::InvalidArgument,
                        local(folder) + ": exists and holds " + local(name) +
                            ", which is not part of a demo model; not touching it"};
        if (!removeTree(folder))
            return {ws::Code::IoError, local(folder) + ": cannot remove the incomplete demo model"};
    }

    TempFolder guard(temp);
    if (!QDir().mkpath(temp))
        return {ws::Code::IoError, local(temp) + ": cannot create the folder"};
    const QDir t(temp);
    if (!report(0.0))
        return cancelled();
    if (ws::Status s = copyResource(QStringLiteral(":/demo/tokenizer.json"),
                                    t.filePath(QStringLiteral("tokenizer.json")));
        !s)
        return s;
    if (ws::Status s = copyResource(QStringLiteral(":/demo/tokenizer_config.json"),
                                    t.filePath(QStringLiteral("tokenizer_config.json")));
        !s)
        return s;
    // The weights are nearly all of the work: 2% .. 99%.
    if (!report(0.02))
        return cancelled();
    ws::RandomModelSpec spec;
    spec.configJson = ws::demoModelConfigJson();
    spec.dtype = ws::RandomDtype::BF16;
    spec.seed = kSeed;
    spec.progress = [&](double f) { return report(0.02 + 0.97 * f); };
    if (ws::Status s = ws::writeRandomModel(std::filesystem::path(local(temp)), spec); !s)
        return s;

    const QJsonObject marker = {{QStringLiteral("demo"), true},
                                {QStringLiteral("note"), QStringLiteral("random weights: meaningless text")}};
    if (ws::Status s = writeFile(t.filePath(kMarker), QJsonDocument(marker).toJson()); !s)
        return s;
    if (!report(0.99))
        return cancelled();
    if (!QDir().rename(temp, folder))
        return {ws::Code::IoError, local(folder) + ": cannot rename " + local(temp) + " into place"};
    guard.release();
    report(1.0);
    return ws::Status::ok();
}

} // namespace DemoModel
