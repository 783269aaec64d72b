using Microsoft.Data.Sqlite;

namespace Xmpp.Sm.Storage.Sqlite;

/// <summary>
/// All of sm's data in one SQLite file (WAL mode). One open connection, used only from sm's
/// single consumer, so no locking is needed here. The stores are split by concern into
/// partial files: accounts, offline messages, rosters, pending subscription requests.
/// </summary>
public sealed partial class SqliteStorage : IAccountStore, IOfflineStore, IRosterStore, ISubscriptionRequestStore, IDisposable
{
    private readonly SqliteConnection _db;

    public SqliteStorage(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        _db.Open();
        SqliteSchema.Apply(_db);
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx = null)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    public void Dispose() => _db.Dispose();
}
