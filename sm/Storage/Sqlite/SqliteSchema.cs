using Microsoft.Data.Sqlite;

namespace Xmpp.Sm.Storage.Sqlite;

/// <summary>Creates the tables on first start; <c>PRAGMA user_version</c> records the schema version.</summary>
internal static class SqliteSchema
{
    public const int Version = 1;

    private const string Pragmas = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
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
            subscription TEXT NOT NULL DEFAULT 'none',
            ask          TEXT,
            groups       TEXT NOT NULL DEFAULT '[]',  -- JSON array of group names
            PRIMARY KEY (user, contact)
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
            create.CommandText = Tables + $"PRAGMA user_version = {Version};";
            create.ExecuteNonQuery();
        }
        tx.Commit();
    }
}
