using Microsoft.Extensions.Logging;
using Xmpp.Sm.Storage.Postgres;
using Xmpp.Sm.Storage.Sqlite;

namespace Xmpp.Sm.Storage;

/// <summary>Opens the backend <see cref="StorageOptions.Provider"/> names, migrated to the current schema, and logs where it is (never a password).</summary>
public static class StorageFactory
{
    public static IStorageBackend Open(SmOptions options, ILogger logger)
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
                var postgres = new PostgresStorage(storage.ConnectionString, storage.MaxPoolSize);
                logger.LogInformation("Storage: PostgreSQL {Server}, pool of at most {MaxPoolSize} connections", postgres.Describe(), storage.MaxPoolSize);
                return postgres;
            default:
                throw new InvalidOperationException($"Sm:Storage:Provider '{storage.Provider}' is unknown: use '{StorageOptions.Sqlite}' or '{StorageOptions.Postgres}'");
        }
    }
}
