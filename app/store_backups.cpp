// StoreBackups: sqlite3 online backups into dataDir/backups, named by date, pruned to the newest few.
#include "store_backups.h"

#include "sqlite/database.h"
#include "sqlite/sqlite_error.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <cerrno>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <sqlite3.h>
#include <string>
#include <utility>

StoreBackups::StoreBackups(QString dir, int keep) : m_dir(std::move(dir)), m_keep(keep) {}

QString StoreBackups::makeDaily(Database& db, const QDate& today) {
    const QString file = QDir(m_dir).filePath(
        QLatin1String("whalesong-") + today.toString(QStringLiteral("yyyyMMdd")) + QLatin1String(".db"));
    if (QFileInfo::exists(file))
        return {};
    copy(db, file);
    return file;
}

QString StoreBackups::makeBeforeMigration(Database& db, int fromVersion, const QDateTime& now) {
    const QString file = QDir(m_dir).filePath(
        QLatin1String("whalesong-") + now.toString(QStringLiteral("yyyyMMdd-HHmmss")) +
        QLatin1String("-before-v") + QString::number(fromVersion + 1) + QLatin1String(".db"));
    copy(db, file);
    return file;
}

void StoreBackups::prune() {
    QDir dir(m_dir);
    const QStringList backups =
        dir.entryList({QStringLiteral("whalesong-*.db")}, QDir::Files, QDir::Name | QDir::Reversed);
    for (qsizetype i = m_keep; i < backups.size(); ++i)
        dir.remove(backups.at(i));
    // A copy in progress in another process is younger than an hour; anything older was abandoned.
    const QDateTime hourAgo = QDateTime::currentDateTime().addSecs(-3600);
    for (const QFileInfo& tmp : dir.entryInfoList({QStringLiteral("whalesong-*.db.tmp-*")}, QDir::Files))
        if (tmp.lastModified() < hourAgo)
            dir.remove(tmp.fileName());
}

void StoreBackups::copy(Database& db, const QString& file) {
    const QString dirPath = QFileInfo(file).absolutePath();
    if (!QDir().mkpath(dirPath))
        throw SqliteError(SQLITE_CANTOPEN, dirPath.toStdString() + ": cannot create");
    // Unique per copy, not only per process: the app's two store connections (GUI, engine) both make the daily
    // backup when they open, at the same moment.
    static std::atomic<int> s_copies{0};
    const QString tmp = file + QLatin1String(".tmp-") + QString::number(QCoreApplication::applicationPid()) +
                        QLatin1Char('-') + QString::number(++s_copies);
    QFile::remove(tmp);
    try {
        db.backupTo(tmp);
    } catch (...) {
        QFile::remove(tmp);
        throw;
    }
    // rename(2) replaces an existing file atomically (QFile::rename refuses to).
    if (std::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(file).constData()) != 0) {
        const std::string why = std::strerror(errno);
        QFile::remove(tmp);
        throw SqliteError(SQLITE_IOERR, file.toStdString() + ": cannot rename backup into place: " + why);
    }
}
