using Microsoft.Data.Sqlite;
using Npgsql;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Storage.Postgres;
using Xmpp.Sm.Storage.Sqlite;
using Xmpp.Testing;

namespace Xmpp.Sm.Tests.Stores;

/// <summary>
/// An empty place for sm's data that a test opens, closes and opens again (a restart of sm): a
/// SQLite file in a temporary folder, or a schema of the test PostgreSQL server of its own.
/// </summary>
public abstract class TestStore : IDisposable
{
    public abstract string Provider { get; }

    /// <summary>A new backend on this store's data (migrated, as sm opens it at start).</summary>
    public abstract IStorageBackend Open();

    /// <summary>Runs SQL on the data directly, outside sm (to build an older schema, or to look from a second connection).</summary>
    public abstract void ExecuteRaw(string sql);

    public abstract void Dispose();
}

/// <summary>Where the tests of a parameterised class get their stores: SQLite, or the PostgreSQL server of <see cref="PostgresFixture"/>.</summary>
public interface IStoreProvider
{
    TestStore NewStore();
}

public sealed class SqliteTestStore : TestStore
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "xmpp-sm-store-" + Guid.NewGuid().ToString("N"));

    public SqliteTestStore() => Directory.CreateDirectory(_dir);

    private string FilePath => Path.Combine(_dir, "sm.db");
    public override string Provider => StorageOptions.Sqlite;
    public override IStorageBackend Open() => new SqliteStorage(FilePath);

    public override void ExecuteRaw(string sql)
    {
        using var db = new SqliteConnection($"Data Source={FilePath};Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public override void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A schema of its own on the test server: the connection string's search path puts sm's tables there.</summary>
public sealed class PostgresTestStore : TestStore
{
    private readonly string _admin;

    public PostgresTestStore(PostgresServer server)
    {
        var schema = "t_" + Guid.NewGuid().ToString("N");
        _admin = server.ConnectionString() + ";Pooling=false";
        ConnectionString = server.ConnectionString() + $";Search Path={schema}";
        Run(_admin, $"CREATE SCHEMA {schema}");
    }

    public string ConnectionString { get; }
    public override string Provider => StorageOptions.Postgres;
    public override IStorageBackend Open() => new PostgresStorage(ConnectionString, maxPoolSize: 2);
    public override void ExecuteRaw(string sql) => Run(ConnectionString + ";Pooling=false", sql);

    private static void Run(string connectionString, string sql)
    {
        using var db = new NpgsqlConnection(connectionString);
        db.Open();
        using var cmd = new NpgsqlCommand(sql, db);
        cmd.ExecuteNonQuery();
    }

    public override void Dispose() { } // the server and all of its schemas go when the fixture stops it
}

public static class StoreProviders
{
    public static readonly IStoreProvider Sqlite = new SqliteProvider();

    private sealed class SqliteProvider : IStoreProvider
    {
        public TestStore NewStore() => new SqliteTestStore();
    }
}

/// <summary>One PostgreSQL server for all the tests of the collection, started before the first and removed after the last.</summary>
public sealed class PostgresFixture : IStoreProvider, IDisposable
{
    public PostgresServer Server { get; } = PostgresServer.Start();

    public TestStore NewStore() => new PostgresTestStore(Server);

    public void Dispose() => Server.Dispose();
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL";
}
