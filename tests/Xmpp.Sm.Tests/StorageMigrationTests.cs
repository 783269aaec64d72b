using Microsoft.Data.Sqlite;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Storage.Sqlite;

namespace Xmpp.Sm.Tests;

/// <summary>The SQLite file of schema version 1 opens as version 2 with its data kept.</summary>
public sealed class StorageMigrationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "xmpp-sm-migration-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void A_version_1_roster_table_gets_the_approved_column_and_keeps_its_items()
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "sm.db");
        using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE roster_items (user TEXT NOT NULL, contact TEXT NOT NULL, name TEXT,
                    subscription TEXT NOT NULL DEFAULT 'none', ask TEXT, groups TEXT NOT NULL DEFAULT '[]', PRIMARY KEY (user, contact));
                INSERT INTO roster_items VALUES ('alice@localhost', 'bob@localhost', 'Bob', 'both', NULL, '["Friends"]');
                PRAGMA user_version = 1;
                """;
            cmd.ExecuteNonQuery();
        }

        using var storage = new SqliteStorage(path);

        var item = Assert.Single(storage.GetRoster("alice@localhost"));
        Assert.Equal(new RosterItem("bob@localhost", "Bob", "both", null, ["Friends"]) { Groups = item.Groups }, item);
        Assert.False(item.Approved);
        var version = storage.PutItem("alice@localhost", item with { Approved = true });
        Assert.True(storage.GetItem("alice@localhost", "bob@localhost")!.Approved);
        Assert.Equal(1, version);
        Assert.True(storage.AddRequest("alice@localhost", "carol@localhost", "<presence/>"u8.ToArray(), DateTimeOffset.UtcNow));
        Assert.False(storage.AddRequest("alice@localhost", "carol@localhost", "<presence/>"u8.ToArray(), DateTimeOffset.UtcNow));
    }
}
