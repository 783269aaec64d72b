using Xmpp.Sm.Storage;
using Xmpp.Sm.Storage.Postgres;
using Xmpp.Sm.Storage.Sqlite;
using Xmpp.Sm.Tests.Stores;

namespace Xmpp.Sm.Tests;

/// <summary>A store of schema version 1 opens as version 2 with its data kept, on each storage provider.</summary>
public abstract class StorageMigrationTests(IStoreProvider stores) : IDisposable
{
    protected TestStore Store { get; } = stores.NewStore();

    public void Dispose() => Store.Dispose();

    /// <summary>Builds the provider's version 1 schema, with one roster item of alice's: bob, "Bob", both, group Friends.</summary>
    protected abstract void CreateVersion1WithAliceRosteringBob();

    [Fact]
    public void A_version_1_roster_table_gets_the_approved_column_and_keeps_its_items()
    {
        CreateVersion1WithAliceRosteringBob();

        using var storage = Store.Open();

        var item = Assert.Single(storage.GetRoster("alice@localhost"));
        Assert.Equal(new RosterItem("bob@localhost", "Bob", "both", null, ["Friends"]) { Groups = item.Groups }, item);
        Assert.Equal(["Friends"], item.Groups);
        Assert.False(item.Approved);
        var version = storage.PutItem("alice@localhost", item with { Approved = true });
        Assert.True(storage.GetItem("alice@localhost", "bob@localhost")!.Approved);
        Assert.Equal(1, version);
        Assert.True(storage.AddRequest("alice@localhost", "carol@localhost", "<presence/>"u8.ToArray(), DateTimeOffset.UtcNow));
        Assert.False(storage.AddRequest("alice@localhost", "carol@localhost", "<presence/>"u8.ToArray(), DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Both_providers_number_their_schema_versions_alike() =>
        Assert.Equal(SqliteSchema.Version, PostgresSchema.Version);
}

public sealed class StorageMigrationTestsOnSqlite() : StorageMigrationTests(StoreProviders.Sqlite)
{
    protected override void CreateVersion1WithAliceRosteringBob() => Store.ExecuteRaw("""
        CREATE TABLE roster_items (user TEXT NOT NULL, contact TEXT NOT NULL, name TEXT,
            subscription TEXT NOT NULL DEFAULT 'none', ask TEXT, groups TEXT NOT NULL DEFAULT '[]', PRIMARY KEY (user, contact));
        INSERT INTO roster_items VALUES ('alice@localhost', 'bob@localhost', 'Bob', 'both', NULL, '["Friends"]');
        PRAGMA user_version = 1;
        """);
}

[Collection(PostgresCollection.Name)]
public sealed class StorageMigrationTestsOnPostgres(PostgresFixture postgres) : StorageMigrationTests(postgres)
{
    protected override void CreateVersion1WithAliceRosteringBob() => Store.ExecuteRaw(PostgresSchema.Steps[0] + """
        CREATE TABLE sm_schema (version INTEGER NOT NULL);
        INSERT INTO sm_schema VALUES (1);
        INSERT INTO roster_items VALUES ('alice@localhost', 'bob@localhost', 'Bob', 'both', NULL, '["Friends"]');
        """);

    [Fact]
    public void A_database_of_a_newer_schema_stops_an_older_sm()
    {
        using (Store.Open()) { }
        Store.ExecuteRaw($"UPDATE sm_schema SET version = {PostgresSchema.Version + 1}");

        var refused = Assert.Throws<InvalidOperationException>(() => Store.Open());
        Assert.Contains("use a newer sm", refused.Message);
    }

    [Fact]
    public async Task Several_sm_starting_at_once_on_an_empty_database_migrate_it_once()
    {
        var opened = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(Store.Open))).WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var storage in opened)
        {
            Assert.True(storage.Create("alice@localhost", []) || storage.Exists("alice@localhost"));
            storage.Dispose();
        }
        Store.ExecuteRaw("DO $$ BEGIN IF (SELECT count(*) FROM sm_schema) <> 1 THEN RAISE EXCEPTION 'sm_schema has other than one row'; END IF; END $$");
    }
}
