using Microsoft.Extensions.Logging;
using Npgsql;
using Xmpp.Sm.Storage.Postgres;
using Xmpp.Sm.Storage.Sqlite;

namespace Xmpp.Sm.Storage;

/// <summary>Opens the backend <see cref="StorageOptions.Provider"/> names, migrated to the current schema, and logs where it is (never a password).</summary>
public static class StorageFactory
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Opens the configured backend. A PostgreSQL server that cannot be reached yet (a transient
    /// error: refused connection, starting up) is tried again every second, each failure logged, for
    /// up to <see cref="StorageOptions.StartupTimeout"/>; any other error (authentication, a newer
    /// schema) stops sm at once.
    /// </summary>
    public static async Task<IStorageBackend> OpenAsync(SmOptions options, ILogger logger, CancellationToken ct)
    {
        var storage = options.Storage;
        switch (storage.Provider.Trim().ToLowerInvariant())
        {
            case StorageOptions.Sqlite:
                var path = Path.Combine(Path.GetFullPath(options.DataDirectory), "sm.db");
                var sqlite = new SqliteStorage(path);
                logger.LogInformation("Storage: SQLite {Path}", path);
                return sqlite;
            case StorageOptions.Postgres:
                var postgres = await OpenPostgresAsync(storage, logger, ct);
                logger.LogInformation("Storage: PostgreSQL {Server}, pool of at most {MaxPoolSize} connections", postgres.Describe(), storage.MaxPoolSize);
                return postgres;
            default:
                throw new InvalidOperationException($"Sm:Storage:Provider '{storage.Provider}' is unknown: use '{StorageOptions.Sqlite}' or '{StorageOptions.Postgres}'");
        }
    }

    private static async Task<PostgresStorage> OpenPostgresAsync(StorageOptions storage, ILogger logger, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + storage.StartupTimeout;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new PostgresStorage(storage.ConnectionString, storage.MaxPoolSize);
            }
            catch (NpgsqlException e) when (e.IsTransient && DateTimeOffset.UtcNow + RetryDelay < deadline)
            {
                logger.LogWarning("Storage: PostgreSQL not reachable yet (attempt {Attempt}: {Error}); trying again for up to {Timeout} (Sm:Storage:StartupTimeout)",
                    attempt, e.Message, storage.StartupTimeout);
                await Task.Delay(RetryDelay, ct);
            }
        }
    }
}
