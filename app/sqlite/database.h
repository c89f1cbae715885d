// Database: one sqlite3 connection (RAII), the entry point of the thin wrapper ConversationStore is built on.
#pragma once

#include <QString>

struct sqlite3;

/// Owns a sqlite3 connection; closes it in the destructor. Every failure throws SqliteError. Not thread-safe:
/// one connection per thread (sqlite3 is built serialized, but a connection's transaction state is shared).
class Database {
  public:
    enum class Mode { ReadWriteCreate, ReadWrite };

    /// Opens `path` with extended result codes on. Throws SqliteError.
    explicit Database(const QString& path, Mode mode = Mode::ReadWriteCreate);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Runs fixed SQL (one or several statements, no parameters). Never pass text that came from a user.
    void exec(const char* sql);
    /// The first column of the first row of fixed SQL, as text / integer (empty / 0 when there is no row).
    QString queryText(const char* sql);
    qint64 queryInt(const char* sql);

    qint64 lastInsertRowId() const;
    int
    changes() const; ///< rows changed by the last INSERT/UPDATE/DELETE (not counting triggers and cascades)
    void setBusyTimeout(int ms);
    /// Whether closing the connection may checkpoint the WAL into the main file (off while we only probe a
    /// file that may turn out to be refused, so that it stays byte-identical).
    void setCheckpointOnClose(bool on);
    /// Copies the whole database to `file` with sqlite3's online backup API. Throws SqliteError.
    void backupTo(const QString& file);
    bool inTransaction() const; ///< a transaction is open on this connection

    sqlite3* handle() const { return m_db; }
    const QString& path() const { return m_path; }

    /// Throws SqliteError for `rc` with the connection's message, prefixed by `context`.
    [[noreturn]] void fail(int rc, const char* context) const;

  private:
    friend class Transaction; // keeps the nesting depth (BEGIN at depth 0, SAVEPOINT inside)
    sqlite3* m_db = nullptr;
    QString m_path;
    int m_transactionDepth = 0;
};
