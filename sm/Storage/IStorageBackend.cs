namespace Xmpp.Sm.Storage;

/// <summary>
/// One storage backend holding all of sm's stores (SQLite or PostgreSQL, chosen by
/// <see cref="StorageOptions.Provider"/>). An instance is used from sm's single consumer only;
/// several sm processes may share one PostgreSQL database (each with its own instance).
/// </summary>
public interface IStorageBackend : IAccountStore, IOfflineStore, IRosterStore, ISubscriptionRequestStore, IStorageTransactions, IModuleStore, IStreamStateStore, IDisposable
{
    /// <summary>Transactions and savepoints begun so far: every write runs in one, so a change means a frame may have written (<see cref="Hosting.GroupCommit"/>).</summary>
    long ScopesBegun { get; }
}
