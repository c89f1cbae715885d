// SqliteError: a failed sqlite3 call (extended result code and message); thrown only inside the store layer.
#pragma once

#include <stdexcept>
#include <string>

/// Thrown by Database, Statement and Transaction; ConversationStore turns it into a ws::Status at its
/// boundary.
class SqliteError : public std::runtime_error {
  public:
    SqliteError(int extendedCode, const std::string& message)
        : std::runtime_error(message), m_extendedCode(extendedCode) {}

    int extendedCode() const { return m_extendedCode; }
    int primaryCode() const { return m_extendedCode & 0xff; }
    /// SQLITE_CORRUPT or SQLITE_NOTADB: the file is damaged or is not a database at all.
    bool isCorruption() const;
    bool isBusy() const; ///< SQLITE_BUSY or SQLITE_LOCKED: another connection held the lock too long

  private:
    int m_extendedCode;
};
