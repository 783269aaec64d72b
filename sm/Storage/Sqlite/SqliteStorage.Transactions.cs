using Microsoft.Data.Sqlite;

namespace Xmpp.Sm.Storage.Sqlite;

/// <summary>
/// Transactions on the one connection: the outermost <see cref="Begin"/> opens a SQLite transaction
/// (its commit is the durable point), inner ones are savepoints inside it, so a store method that is
/// atomic by itself stays atomic when it runs as part of a larger operation.
/// </summary>
public sealed partial class SqliteStorage
{
    private SqliteTransaction? _tx;
    private int _depth;

    /// <summary>Transactions and savepoints begun so far: every write runs in one, so a change means a frame may have written.</summary>
    public long ScopesBegun { get; private set; }

    public IStorageTransaction Begin()
    {
        ScopesBegun++;
        if (_tx is null)
        {
            _tx = _db.BeginTransaction();
            _depth = 1;
            return new Scope(this, savepoint: null);
        }
        var name = "s" + _depth++;
        _tx.Save(name);
        return new Scope(this, name);
    }

    private void End(string? savepoint, bool commit)
    {
        var tx = _tx ?? throw new InvalidOperationException("no transaction is open");
        if (savepoint is not null)
        {
            _depth--;
            if (!commit) tx.Rollback(savepoint);
            tx.Release(savepoint);
            return;
        }
        try
        {
            if (commit) tx.Commit();
            else tx.Rollback();
        }
        finally
        {
            tx.Dispose();
            _tx = null;
            _depth = 0;
        }
    }

    private sealed class Scope(SqliteStorage owner, string? savepoint) : IStorageTransaction
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
