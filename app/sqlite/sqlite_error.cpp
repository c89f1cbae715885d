// SqliteError: the classification helpers (they need sqlite3.h's result codes).
#include "sqlite/sqlite_error.h"

#include <sqlite3.h>

bool SqliteError::isCorruption() const {
    return primaryCode() == SQLITE_CORRUPT || primaryCode() == SQLITE_NOTADB;
}

bool SqliteError::isBusy() const { return primaryCode() == SQLITE_BUSY || primaryCode() == SQLITE_LOCKED; }
