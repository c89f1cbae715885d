// StoreBackups: the backups/ folder — a copy before each migration, one a day, the newest few kept.
#pragma once

#include <QDate>
#include <QDateTime>
#include <QString>

class Database;

/// Names sort by date: whalesong-YYYYMMDD.db (daily), whalesong-YYYYMMDD-HHMMSS-before-vN.db (before
/// migrating from version N). Copies go to a temporary name and are renamed into place, so a crash never
/// leaves a half-written backup under a real name (which would stop that day's backup from being retried).
class StoreBackups {
  public:
    StoreBackups(QString dir, int keep);

    /// Today's backup unless it exists; its path, or empty when there was one. Throws SqliteError.
    QString makeDaily(Database& db, const QDate& today);
    /// A backup before migrating from `fromVersion`; its path. Throws SqliteError.
    QString makeBeforeMigration(Database& db, int fromVersion, const QDateTime& now);
    /// Keeps the newest `keep` backups; removes temporary files left by a killed copy (older than an hour).
    void prune();

    /// Copies `db` to `file` through a temporary file and a rename. Throws SqliteError.
    static void copy(Database& db, const QString& file);

  private:
    QString m_dir;
    int m_keep;
};
