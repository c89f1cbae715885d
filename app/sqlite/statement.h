// Statement: one prepared sqlite3 statement with bound parameters (RAII: finalized in the destructor).
#pragma once

#include <QString>
#include <optional>
#include <string_view>

class Database;
struct sqlite3_stmt;

/// A prepared statement. Parameters are bound by position (?1, ?2, … in the SQL), so values never become SQL
/// text. step() resets the statement (and clears the bindings) when it reaches the end, run() always does, so
/// a statement can be bound and run again. Every failure throws SqliteError.
class Statement {
  public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, qint64 value);
    Statement& bind(int index, int value) { return bind(index, static_cast<qint64>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, const QString& value);
    Statement& bind(int index, std::nullptr_t);
    template <typename T> Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind(index, nullptr);
    }

    /// Advances to the next row: true when one is ready, false at the end (the statement is then reset).
    bool step();
    /// Runs an INSERT/UPDATE/DELETE to completion, then resets.
    void run();
    /// Back to the start with no parameters bound (also done by step() at the end and by run()).
    void reset();

    bool isNull(int column) const;
    qint64 int64(int column) const;
    double real(int column) const;
    QString text(int column) const;
    std::optional<qint64> optionalInt64(int column) const;
    std::optional<double> optionalReal(int column) const;

  private:
    Database& m_db;
    sqlite3_stmt* m_stmt = nullptr;
};
