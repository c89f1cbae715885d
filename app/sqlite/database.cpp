// Database: opening, closing, fixed-SQL helpers and the online backup of one sqlite3 connection.
#include "sqlite/database.h"

#include "sqlite/sqlite_error.h"
#include "sqlite/statement.h"

#include <sqlite3.h>
#include <string>

Database::Database(const QString& path, Mode mode) : m_path(path) {
    const int flags = SQLITE_OPEN_READWRITE | (mode == Mode::ReadWriteCreate ? SQLITE_OPEN_CREATE : 0) |
                      SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    const int rc = sqlite3_open_v2(path.toUtf8().constData(), &m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        // sqlite3_open_v2 hands back a handle even on failure (for the message); it must still be closed.
        const std::string message = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        sqlite3_close(m_db);
        m_db = nullptr;
        throw SqliteError(rc, path.toStdString() + ": cannot open: " + message);
    }
    sqlite3_extended_result_codes(m_db, 1);
}

Database::~Database() {
    // sqlite3_close_v2 defers the close if a statement is still alive instead of failing: Statements hold a
    // reference to their Database, so that can only happen by a bug, and leaking is better than crashing.
    sqlite3_close_v2(m_db);
}

void Database::fail(int rc, const char* context) const {
    const int code = m_db ? sqlite3_extended_errcode(m_db) : rc;
    const char* message = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
    throw SqliteError(code != SQLITE_OK ? code : rc, std::string(context) + ": " + message);
}

void Database::exec(const char* sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        const std::string message = error ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        throw SqliteError(sqlite3_extended_errcode(m_db),
                          message + " (in: " + std::string(sql).substr(0, 80) + ")");
    }
}

QString Database::queryText(const char* sql) {
    Statement st(*this, sql);
    QString value = st.step() ? st.text(0) : QString();
    st.reset();
    return value;
}

qint64 Database::queryInt(const char* sql) {
    Statement st(*this, sql);
    const qint64 value = st.step() ? st.int64(0) : 0;
    st.reset();
    return value;
}

qint64 Database::lastInsertRowId() const { return sqlite3_last_insert_rowid(m_db); }

int Database::changes() const { return sqlite3_changes(m_db); }

void Database::setBusyTimeout(int ms) { sqlite3_busy_timeout(m_db, ms); }

void Database::setCheckpointOnClose(bool on) {
    sqlite3_db_config(m_db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, on ? 0 : 1, nullptr);
}

bool Database::inTransaction() const { return sqlite3_get_autocommit(m_db) == 0; }

void Database::backupTo(const QString& file) {
    sqlite3* dest = nullptr;
    int rc = sqlite3_open_v2(file.toUtf8().constData(), &dest,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = dest ? sqlite3_errmsg(dest) : sqlite3_errstr(rc);
        sqlite3_close(dest);
        throw SqliteError(rc, file.toStdString() + ": cannot create backup: " + message);
    }
    sqlite3_backup* backup = sqlite3_backup_init(dest, "main", m_db, "main");
    if (!backup) {
        const SqliteError error(sqlite3_extended_errcode(dest),
                                file.toStdString() + ": backup: " + sqlite3_errmsg(dest));
        sqlite3_close(dest);
        throw error;
    }
    // -1 copies every page in one step; a writer in another process only delays it (busy: wait and retry).
    for (int attempt = 0;; ++attempt) {
        rc = sqlite3_backup_step(backup, -1);
        if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && attempt < 100) {
            sqlite3_sleep(50);
            continue;
        }
        break;
    }
    sqlite3_backup_finish(backup);
    const int destRc = sqlite3_errcode(dest);
    const std::string destMessage = sqlite3_errmsg(dest);
    sqlite3_close(dest);
    if (rc != SQLITE_DONE)
        throw SqliteError(rc, file.toStdString() + ": backup failed: " + sqlite3_errstr(rc));
    if (destRc != SQLITE_OK)
        throw SqliteError(destRc, file.toStdString() + ": backup failed: " + destMessage);
}
