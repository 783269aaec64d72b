using Microsoft.Data.Sqlite;

namespace Xmpp.PubSub.Storage;

/// <summary>
/// The service's tables, versioned by SQLite's user_version: a database of an older version is
/// brought up step by step, one of a newer version (written by a later release) is refused.
/// WAL with synchronous=FULL: a committed write survives kill -9 and power loss.
/// </summary>
public static class PubSubSchema
{
    /// <summary>Each step brings the schema from version i to i+1.</summary>
    private static readonly string[] Steps =
    [
        """
        CREATE TABLE nodes (
            service TEXT NOT NULL,      -- the service's domain
            node    TEXT NOT NULL,
            config  TEXT NOT NULL,      -- NodeConfig as JSON
            PRIMARY KEY (service, node)
        );
        CREATE TABLE items (
            seq       INTEGER PRIMARY KEY AUTOINCREMENT,  -- publication order
            service   TEXT NOT NULL,
            node      TEXT NOT NULL,
            id        TEXT NOT NULL,
            publisher TEXT NOT NULL,
            published TEXT NOT NULL,    -- ISO 8601 UTC
            payload   TEXT NOT NULL,    -- the payload element, serialized
            bytes     INTEGER NOT NULL, -- the payload's UTF-8 length
            UNIQUE (service, node, id)
        );
        CREATE INDEX items_by_node ON items (service, node, seq);
        CREATE TABLE payload_bytes (service TEXT PRIMARY KEY, total INTEGER NOT NULL);
        CREATE TRIGGER items_added AFTER INSERT ON items BEGIN
            INSERT INTO payload_bytes (service, total) VALUES (new.service, new.bytes)
                ON CONFLICT (service) DO UPDATE SET total = total + new.bytes;
        END;
        CREATE TRIGGER items_removed AFTER DELETE ON items BEGIN
            UPDATE payload_bytes SET total = total - old.bytes WHERE service = old.service;
        END;
        CREATE TABLE affiliations (
            service     TEXT NOT NULL,
            node        TEXT NOT NULL,
            jid         TEXT NOT NULL,  -- a bare JID
            affiliation TEXT NOT NULL,  -- owner, publisher, member, outcast
            PRIMARY KEY (service, node, jid)
        );
        CREATE INDEX affiliations_by_jid ON affiliations (service, jid);
        CREATE TABLE subscriptions (
            service TEXT NOT NULL,
            node    TEXT NOT NULL,
            jid     TEXT NOT NULL,      -- as subscribed: bare or full
            bare    TEXT NOT NULL,      -- its bare JID
            deliver INTEGER NOT NULL,   -- pubsub#deliver
            PRIMARY KEY (service, node, jid)
        );
        CREATE INDEX subscriptions_by_bare ON subscriptions (service, bare);
        """,
    ];

    public static int Version => Steps.Length;

    public static void Apply(SqliteConnection db)
    {
        Execute(db, "PRAGMA journal_mode = WAL");
        Execute(db, "PRAGMA synchronous = FULL");
        Execute(db, "PRAGMA foreign_keys = ON");
        using var read = db.CreateCommand();
        read.CommandText = "PRAGMA user_version";
        var version = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (version > Steps.Length)
            throw new InvalidOperationException($"the pubsub database is at schema version {version}, newer than this program's {Steps.Length}");
        for (var v = version; v < Steps.Length; v++)
        {
            using var tx = db.BeginTransaction();
            using var step = db.CreateCommand();
            step.Transaction = tx;
            step.CommandText = Steps[v] + $"\nPRAGMA user_version = {v + 1};";
            step.ExecuteNonQuery();
            tx.Commit();
        }
    }

    private static void Execute(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
