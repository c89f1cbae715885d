// Migrations: schema version 1 (STRICT tables, a message tree, FTS5 trigram search), version 2 (how long an answer
// thought), version 3 (an answer's tool calls) and the upgrade loop.
#include "migrations.h"

#include "sqlite/database.h"
#include "sqlite/transaction.h"

#include <string>
#include <utility>

namespace {

// Version 1. Why it looks like this:
// - messages form a tree inside one conversation: (conversation_id, parent_id) references (conversation_id,
// id),
//   so a parent in another conversation is impossible, and conversations.(id, current_leaf_id) likewise keeps
//   the branch shown inside its own conversation. parent_id has no ON DELETE action on purpose: messages are
//   only deleted with their conversation, in one statement, and a cascade along parent links would recurse as
//   deep as the conversation is long (SQLite caps trigger depth at 1000).
// - messages_fts is an external-content FTS5 table with the trigram tokenizer (Chinese has no spaces; trigram
//   finds any substring of 3+ characters). It indexes the text plus a trailing newline (through the view), so
//   every occurrence of a 2-character word starts some trigram, even at the very end of a message: search
//   finds 2-character words through the trigram vocabulary instead of scanning every message.
const char* const kVersion1 = R"sql(
CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY,
    uuid            TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    pinned          INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    deleted_at      INTEGER,
    model           TEXT NOT NULL DEFAULT '',
    system_prompt   TEXT NOT NULL DEFAULT '',
    settings        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
    current_leaf_id INTEGER,
    FOREIGN KEY (id, current_leaf_id) REFERENCES messages (conversation_id, id)
) STRICT;
CREATE INDEX conversations_by_leaf ON conversations (current_leaf_id);
CREATE INDEX conversations_in_trash ON conversations (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE messages (
    id                INTEGER PRIMARY KEY,
    conversation_id   INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    parent_id         INTEGER,
    role              TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content           TEXT NOT NULL,
    reasoning         TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL
                      CHECK (status IN ('complete', 'streaming', 'stopped', 'error', 'interrupted')),
    error             TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    ttft_ms           REAL,
    prefill_tps       REAL,
    decode_tps        REAL,
    model             TEXT NOT NULL DEFAULT '',
    backend           TEXT NOT NULL DEFAULT '',
    UNIQUE (conversation_id, id),
    FOREIGN KEY (conversation_id, parent_id) REFERENCES messages (conversation_id, id)
) STRICT;
CREATE INDEX messages_by_parent ON messages (conversation_id, parent_id);
CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming';

CREATE VIEW messages_fts_source (id, content, reasoning) AS
    SELECT id, content || char(10), reasoning || char(10) FROM messages;
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    content, reasoning, content = 'messages_fts_source', content_rowid = 'id', tokenize = 'trigram');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content, reasoning)
        VALUES (new.id, new.content || char(10), new.reasoning || char(10));
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content || char(10), old.reasoning || char(10));
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, reasoning ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content || char(10), old.reasoning || char(10));
    INSERT INTO messages_fts (rowid, content, reasoning)
        VALUES (new.id, new.content || char(10), new.reasoning || char(10));
END;
)sql";

// Version 2: messages.reasoning_ms, how long an R1-style model thought before answering (NULL: unknown, or it
// did not think). ADD COLUMN keeps every row and the FTS index as they are; the tests upgrade
// tests/app/fixtures/schema_v1.sql.
const char* const kVersion2 = R"sql(
ALTER TABLE messages ADD COLUMN reasoning_ms REAL;
)sql";

// Version 3: messages.tool_calls, the tool calls of an answer in OpenAI's form — a JSON array of
// {"id", "type": "function", "function": {"name", "arguments"}} with the arguments as the model wrote them (a
// string, not re-serialised: lossless). Old rows get '[]'. The CHECK holds for every row, old ones included.
const char* const kVersion3 = R"sql(
ALTER TABLE messages ADD COLUMN tool_calls TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(tool_calls) AND json_type(tool_calls) = 'array');
)sql";

std::optional<std::vector<Migration>>& overridden() {
    static std::optional<std::vector<Migration>> list;
    return list;
}

} // namespace

const std::vector<Migration>& Migrations::list() {
    static const std::vector<Migration> kList = {{1, kVersion1}, {2, kVersion2}, {3, kVersion3}};
    return overridden() ? *overridden() : kList;
}

int Migrations::latestVersion() { return list().empty() ? 0 : list().back().version; }

int Migrations::apply(Database& db) {
    Transaction transaction(db);
    const int found = static_cast<int>(db.queryInt("PRAGMA user_version"));
    for (const Migration& m : list()) {
        if (m.version <= found)
            continue;
        db.exec(m.sql);
        // PRAGMA takes no bound parameters; the value is our own integer, not user text.
        db.exec(("PRAGMA user_version = " + std::to_string(m.version)).c_str());
    }
    db.exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
    transaction.commit();
    return found;
}

void Migrations::overrideForTesting(std::optional<std::vector<Migration>> migrations) {
    overridden() = std::move(migrations);
}
