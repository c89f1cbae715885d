// Transaction: a write transaction (BEGIN IMMEDIATE) that rolls back unless committed; nests as a savepoint.
#pragma once

class Database;

/// The outermost Transaction on a connection runs BEGIN IMMEDIATE: it takes the write lock at once (waiting
/// up to the busy timeout), so two writers queue instead of failing half-way with SQLITE_BUSY. A Transaction
/// opened while another is active on the same connection becomes a SAVEPOINT, so store methods can run inside
/// ConversationStore::inTransaction. The destructor rolls back (never throws) unless commit() was called.
class Transaction {
  public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit(); ///< throws SqliteError; after a failed commit the destructor still rolls back

  private:
    Database& m_db;
    int m_depth; ///< 0: BEGIN/COMMIT, n > 0: SAVEPOINT ws_n
    bool m_finished = false;
};
