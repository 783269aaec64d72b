using Npgsql;

namespace Xmpp.Sm.Storage.Postgres;

/// <summary>
/// Transactions on one pooled connection: the outermost <see cref="Begin"/> takes a connection from
/// the pool and opens a transaction (its commit is the durable point, then the connection goes
/// back), inner ones are savepoints inside it, as on SQLite: a store method that is atomic by
/// itself stays atomic when it runs as part of a larger operation (a group commit batch).
/// Round trips are what a batch costs here, so a savepoint is sent with the first statement run
/// inside it (none when nothing ran), and an inner commit sends nothing (the savepoint stays until
/// the outermost commit; a later one of the same name hides it); only an inner rollback of
/// statements that ran is a round trip of its own.
/// </summary>
public sealed partial class PostgresStorage
{
    private NpgsqlConnection? _connection;
    private NpgsqlTransaction? _tx;
    private int _depth;
    private readonly List<string> _unsent = []; // savepoints begun, not sent yet (innermost last)

    public long ScopesBegun { get; private set; }

    public IStorageTransaction Begin()
    {
        ScopesBegun++;
        if (_tx is null) return BeginOutermost();
        var name = "s" + _depth++;
        _unsent.Add(name);
        return new Scope(this, name);
    }

    /// <summary>The SQL that opens the savepoints not sent yet, to go in front of the next statement.</summary>
    private string TakeSavepoints()
    {
        if (_unsent.Count == 0) return "";
        var sql = string.Concat(_unsent.Select(name => $"SAVEPOINT {name}; "));
        _unsent.Clear();
        return sql;
    }

    /// <summary>Runs a read in the open transaction, or in a short one of its own (no savepoint, not counted as a write).</summary>
    private T Read<T>(Func<T> read)
    {
        if (_tx is not null) return read();
        using var scope = BeginOutermost();
        var result = read();
        scope.Commit();
        return result;
    }

    private Scope BeginOutermost()
    {
        var connection = _source.OpenConnection();
        try
        {
            _tx = connection.BeginTransaction();
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        _connection = connection;
        _depth = 1;
        return new Scope(this, savepoint: null);
    }

    private void End(string? savepoint, bool commit)
    {
        var tx = _tx ?? throw new InvalidOperationException("no transaction is open");
        if (savepoint is null)
        {
            EndOutermost(commit);
            return;
        }
        _depth--;
        if (_unsent.Count > 0 && _unsent[^1] == savepoint)
        {
            _unsent.RemoveAt(_unsent.Count - 1); // nothing ran inside it: nothing to keep or undo
            return;
        }
        if (commit) return;
        using var rollback = new NpgsqlCommand($"ROLLBACK TO SAVEPOINT {savepoint}", _connection, tx);
        rollback.ExecuteNonQuery();
    }

    private void EndOutermost(bool commit)
    {
        try
        {
            if (commit) _tx!.Commit();
            else _tx!.Rollback();
        }
        finally
        {
            _tx!.Dispose();
            _connection!.Dispose(); // back to the pool
            _tx = null;
            _connection = null;
            _depth = 0;
            _unsent.Clear();
        }
    }

    private sealed class Scope(PostgresStorage owner, string? savepoint) : IStorageTransaction
    {
        private bool _ended;

        public void Commit()
        {
            ObjectDisposedException.ThrowIf(_ended, this);
            _ended = true;
            owner.End(savepoint, commit: true);
        }

        public void Dispose()
        {
            if (_ended) return;
            _ended = true;
            owner.End(savepoint, commit: false);
        }
    }
}
