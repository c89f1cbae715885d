// Migrations: the schema's history as an ordered list of {version, sql}, applied in one transaction.
#pragma once

#include <optional>
#include <vector>

class Database;

struct Migration {
    int version;     ///< PRAGMA user_version once applied
    const char* sql; ///< fixed SQL (several statements)
};

/// Version n's SQL turns a database at version n-1 into version n; version 0 is an empty file. A migration is
/// never edited once released: a change is a new entry (and tests/app/fixtures gets a frozen copy of the old
/// schema, which the migration test then upgrades).
class Migrations {
  public:
    /// Written at creation and checked at open: marks the file as ours ("WSNG").
    static constexpr int kApplicationId = 0x57534E47;

    static const std::vector<Migration>& list();
    static int latestVersion();
    /// Applies every migration newer than the database's user_version, and sets user_version and
    /// application_id, in one write transaction (re-reading the version inside it, so two processes opening a
    /// new file at once do not both migrate). Returns the version found. Throws SqliteError.
    static int apply(Database& db);

    /// Test seam: replaces list() (to test the backup before a migration and later-version fixtures);
    /// std::nullopt restores the real list.
    static void overrideForTesting(std::optional<std::vector<Migration>> migrations);
};
