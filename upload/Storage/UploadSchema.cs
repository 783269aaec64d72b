using Microsoft.Data.Sqlite;

namespace Xmpp.Upload.Storage;

/// <summary>
/// The index's tables, created on first start; <c>PRAGMA user_version</c> records the schema
/// version so a later version can upgrade older files. WAL with synchronous=NORMAL: a lost last
/// commit after a power loss costs at most an upload the client is told failed, or a slot to request again.
/// </summary>
internal static class UploadSchema
{
    public const int Version = 1;

    private const string Pragmas = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        """;

    private const string Tables = """
        CREATE TABLE IF NOT EXISTS slots (
            id              TEXT PRIMARY KEY,   -- random, base64url; the URL's secret
            owner           TEXT NOT NULL,      -- bare JID that asked for the slot
            file_name       TEXT NOT NULL,
            size            INTEGER NOT NULL,   -- bytes, exactly what the PUT must carry
            content_type    TEXT NOT NULL,
            created_at      INTEGER NOT NULL,   -- Unix milliseconds
            slot_expires_at INTEGER NOT NULL,   -- the PUT works until then
            completed_at    INTEGER,            -- set once the file is stored
            file_expires_at INTEGER             -- the file is deleted then
        );
        CREATE INDEX IF NOT EXISTS slots_by_owner ON slots (owner);
        CREATE INDEX IF NOT EXISTS slots_by_expiry ON slots (coalesce(file_expires_at, slot_expires_at));
        """;

    public static void Apply(SqliteConnection db)
    {
        using (var pragmas = db.CreateCommand())
        {
            pragmas.CommandText = Pragmas;
            pragmas.ExecuteNonQuery();
        }
        using var version = db.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        var current = Convert.ToInt32(version.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (current > Version)
            throw new InvalidOperationException($"the upload index has schema version {current}, newer than this program's {Version}");
        if (current == Version) return;
        using var tx = db.BeginTransaction();
        using var create = db.CreateCommand();
        create.Transaction = tx;
        create.CommandText = Tables + $"PRAGMA user_version = {Version};";
        create.ExecuteNonQuery();
        tx.Commit();
    }
}
