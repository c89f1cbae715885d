// Transaction: BEGIN IMMEDIATE / COMMIT / ROLLBACK, and savepoints for nested use.
#include "sqlite/transaction.h"

#include "sqlite/database.h"

#include <string>

namespace {
std::string savepointName(int depth) { return "ws_sp" + std::to_string(depth); }
} // namespace

Transaction::Transaction(Database& db) : m_db(db), m_depth(db.m_transactionDepth) {
    if (m_depth == 0)
        m_db.exec("BEGIN IMMEDIATE");
    else
        m_db.exec(("SAVEPOINT " + savepointName(m_depth)).c_str());
    ++m_db.m_transactionDepth;
}

Transaction::~Transaction() {
    if (!m_finished) {
        // A failed statement may already have rolled the whole transaction back (SQLITE_FULL, IOERR…), then
        // there is nothing to roll back; errors here cannot be reported, only ignored.
        try {
            if (m_depth == 0) {
                if (m_db.inTransaction())
                    m_db.exec("ROLLBACK");
            } else if (m_db.inTransaction()) {
                const std::string name = savepointName(m_depth);
                m_db.exec(("ROLLBACK TO " + name + "; RELEASE " + name).c_str());
            }
        } catch (...) {
        }
    }
    --m_db.m_transactionDepth;
}

void Transaction::commit() {
    if (m_depth == 0)
        m_db.exec("COMMIT");
    else
        m_db.exec(("RELEASE " + savepointName(m_depth)).c_str());
    m_finished = true;
}
