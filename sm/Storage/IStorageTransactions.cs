namespace Xmpp.Sm.Storage;

/// <summary>
/// One all-or-nothing change across the stores: every write between <see cref="IStorageTransactions.Begin"/>
/// and <see cref="Commit"/> is kept together, or (disposed without a commit, e.g. by an exception)
/// none of it. Transactions nest: an inner one commits into the outer one, and only the outermost
/// commit makes the change durable.
/// </summary>
public interface IStorageTransaction : IDisposable
{
    void Commit();
}

/// <summary>Starts transactions spanning several store calls that make up one operation.</summary>
public interface IStorageTransactions
{
    IStorageTransaction Begin();
}
