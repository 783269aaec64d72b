using Microsoft.Data.Sqlite;

namespace Xmpp.Sm.Storage.Sqlite;

/// <summary>
/// All of sm's data in one SQLite file (WAL mode, synchronous=FULL: a committed write survives
/// kill -9 and power loss, see <see cref="SqliteSchema"/>). One open connection, not pooled, used
/// only from sm's single consumer, so no locking is needed here. The stores are split by concern
/// into partial files: accounts, offline messages, rosters, pending subscription requests,
/// transactions, and the modules' own tables.
/// </summary>
public sealed partial class SqliteStorage : IStorageBackend
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
            Pooling = false, // one connection for the process's life; the pragmas are set on it once
        }.ToString());
        _db.Open();
        SqliteSchema.Apply(_db);
    }

    /// <summary>A command on the connection, inside the open transaction if there is one.</summary>
    private SqliteCommand Command(string sql)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = _tx;
        return cmd;
    }

    /// <summary>The value of a pragma on sm's connection (journal_mode, synchronous, ...), for checks.</summary>
    internal object? Pragma(string name)
    {
        using var cmd = Command("PRAGMA " + name);
        return cmd.ExecuteScalar();
    }

    public void Dispose()
    {
        _tx?.Dispose();
        _db.Dispose();
    }
}
