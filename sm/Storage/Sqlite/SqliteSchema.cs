using Microsoft.Data.Sqlite;

namespace Xmpp.Sm.Storage.Sqlite;

/// <summary>
/// Creates the tables on first start and upgrades older files; <c>PRAGMA user_version</c> records
/// the schema version. Version 2 added the roster's 'approved' flag (pre-approvals), the roster
/// version per user and the pending inbound subscription requests. The modules' own tables are
/// versioned per module in <c>module_schema</c> (see <see cref="IModuleStore.Migrate"/>), not here.
/// Durability: WAL mode with synchronous=FULL, so each commit waits for the WAL to be fsynced and a
/// write sm acknowledged survives kill -9 and power loss (NORMAL, SQLite's usual choice for WAL,
/// may lose the last commits on power loss). synchronous is a setting of the connection, not of the
/// file: it is set here, on sm's one connection, before anything else runs on it.
/// </summary>
internal static class SqliteSchema
{
    public const int Version = 3;

    private const string Pragmas = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = FULL;
        PRAGMA busy_timeout = 5000;
        PRAGMA foreign_keys = ON;
        """;

    private const string Tables = """
        CREATE TABLE IF NOT EXISTS accounts (
            user        TEXT PRIMARY KEY,      -- bare JID
            created_at  TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS scram_credentials (
            user        TEXT NOT NULL REFERENCES accounts(user) ON DELETE CASCADE,
            mechanism   TEXT NOT NULL,         -- SCRAM-SHA-1 | SCRAM-SHA-256
            salt        BLOB NOT NULL,
            iterations  INTEGER NOT NULL,
            stored_key  BLOB NOT NULL,
            server_key  BLOB NOT NULL,
            PRIMARY KEY (user, mechanism)
        );
        CREATE TABLE IF NOT EXISTS offline_messages (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            user        TEXT NOT NULL,
            stored_at   TEXT NOT NULL,         -- ISO 8601 UTC
            stanza      BLOB NOT NULL          -- UTF-8 stanza as received
        );
        CREATE INDEX IF NOT EXISTS offline_messages_by_user ON offline_messages (user, id);
        CREATE TABLE IF NOT EXISTS roster_items (
            user         TEXT NOT NULL,
            contact      TEXT NOT NULL,        -- bare JID
            name         TEXT,
            subscription TEXT NOT NULL DEFAULT 'none',   -- none | to | from | both
            ask          TEXT,                 -- 'subscribe' while the user's request is pending out
            groups       TEXT NOT NULL DEFAULT '[]',  -- JSON array of group names
            approved     INTEGER NOT NULL DEFAULT 0,  -- 1: the user pre-approved the contact (RFC 6121 §3.4)
            PRIMARY KEY (user, contact)
        );
        CREATE TABLE IF NOT EXISTS roster_versions (
            user         TEXT PRIMARY KEY,
            version      INTEGER NOT NULL      -- incremented by every change to the user's roster (RFC 6121 §2.6)
        );
        CREATE TABLE IF NOT EXISTS subscription_requests (
            user         TEXT NOT NULL,        -- who was asked
            contact      TEXT NOT NULL,        -- who asked (bare JID)
            stanza       BLOB NOT NULL,        -- the request as delivered (UTF-8), redelivered at each login
            received_at  TEXT NOT NULL,        -- ISO 8601 UTC
            PRIMARY KEY (user, contact)
        );
        CREATE TABLE IF NOT EXISTS stream_counts (
            stream       TEXT PRIMARY KEY,     -- a resumable XEP-0198 stream: its resumption id
            inbound      INTEGER NOT NULL      -- the client's stanzas whose effects are committed (h, modulo 2^32)
        );
        CREATE TABLE IF NOT EXISTS stream_unacked (
            id           INTEGER PRIMARY KEY,  -- insertion order: the order sm numbered them in
            stream       TEXT NOT NULL,
            seq          INTEGER NOT NULL,     -- sm's number for the stanza (modulo 2^32)
            packet       BLOB NOT NULL         -- the Packet frame body as sent to c2s (protobuf)
        );
        CREATE INDEX IF NOT EXISTS stream_unacked_by_stream ON stream_unacked (stream, seq);
        CREATE TABLE IF NOT EXISTS module_schema (
            module       TEXT PRIMARY KEY,     -- a module with tables of its own (IModuleStore)
            version      INTEGER NOT NULL      -- how many of its ModuleSchema steps ran
        );
        """;

    public static void Apply(SqliteConnection db)
    {
        using (var pragmas = db.CreateCommand())
        {
            pragmas.CommandText = Pragmas;
            pragmas.ExecuteNonQuery();
        }
        using var tx = db.BeginTransaction();
        using (var create = db.CreateCommand())
        {
            create.Transaction = tx;
            create.CommandText = Tables;
            create.ExecuteNonQuery();
        }
        // Version 1 files have roster_items without 'approved'.
        if (!HasColumn(db, tx, "roster_items", "approved"))
        {
            using var alter = db.CreateCommand();
            alter.Transaction = tx;
            alter.CommandText = "ALTER TABLE roster_items ADD COLUMN approved INTEGER NOT NULL DEFAULT 0";
            alter.ExecuteNonQuery();
        }
        using (var version = db.CreateCommand())
        {
            version.Transaction = tx;
            version.CommandText = $"PRAGMA user_version = {Version};";
            version.ExecuteNonQuery();
        }
        tx.Commit();
    }

    private static bool HasColumn(SqliteConnection db, SqliteTransaction tx, string table, string column)
    {
        using var info = db.CreateCommand();
        info.Transaction = tx;
        info.CommandText = $"PRAGMA table_info({table})";
        using var reader = info.ExecuteReader();
        while (reader.Read())
            if (string.Equals(reader.GetString(1), column, StringComparison.Ordinal)) return true;
        return false;
    }
}
