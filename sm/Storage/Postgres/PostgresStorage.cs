using Npgsql;

namespace Xmpp.Sm.Storage.Postgres;

/// <summary>
/// All of sm's data in a PostgreSQL database, through Npgsql's bounded connection pool. Every
/// store call runs in a transaction on one pooled connection: inside the open one (group commit,
/// <see cref="IStorageTransactions.Begin"/>), or a short one of its own; the outermost commit is
/// the durable point (synchronous_commit on: the WAL is flushed before COMMIT returns). An instance
/// is used from sm's single consumer, like <see cref="Sqlite.SqliteStorage"/>; several sm
/// processes may share the database: changes that read before they write lock what they read
/// (the account row, the user's offline queue). The stores are split by concern into partial files.
/// </summary>
public sealed partial class PostgresStorage : IStorageBackend
{
    private readonly NpgsqlDataSource _source;
    private readonly string _server;

    /// <param name="connectionString">Npgsql's keywords (Host, Port, Database, Username, Password, ...).</param>
    /// <param name="maxPoolSize">Most connections open at once (replaces the connection string's Maximum Pool Size).</param>
    public PostgresStorage(string connectionString, int maxPoolSize)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException("Sm:Storage:ConnectionString is empty: the postgres provider needs one (Host=...;Database=...;Username=...;Password=...)");
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoolSize, 1);
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = maxPoolSize };
        if (builder.MinPoolSize > maxPoolSize) builder.MinPoolSize = maxPoolSize;
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 64; // sm runs the same statements over and over: parsed and planned once per connection
        builder.NoResetOnClose = true; // sm changes no session state (no SET, no temporary tables; its advisory locks end with their transaction): nothing to reset per batch
        _server = Describe(builder);
        _source = NpgsqlDataSource.Create(builder.ConnectionString);
        try
        {
            PostgresSchema.Apply(_source);
        }
        catch
        {
            _source.Dispose();
            throw;
        }
    }

    /// <summary>Where the data is, for logs: host, port, database and user, never the password.</summary>
    public string Describe() => _server;

    internal static string Describe(NpgsqlConnectionStringBuilder b) =>
        $"{b.Host}:{b.Port}/{b.Database ?? b.Username} as {b.Username}";

    /// <summary>A command in the open transaction (every caller holds a scope: <see cref="Begin"/> or <see cref="Read{T}"/>).</summary>
    private NpgsqlCommand Command(string sql) =>
        new(TakeSavepoints() + sql, _connection ?? throw new InvalidOperationException("no transaction is open"), _tx);

    public void Dispose()
    {
        if (_tx is not null) EndOutermost(commit: false);
        _source.Dispose();
    }
}
