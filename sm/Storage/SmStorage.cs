namespace Xmpp.Sm.Storage;

/// <summary>The stores sm works with; one backend may implement all of them. <see cref="Modules"/> runs the modules' own tables.</summary>
public sealed record SmStorage(IAccountStore Accounts, IOfflineStore Offline, IRosterStore Rosters, ISubscriptionRequestStore Requests, IStorageTransactions Transactions, IModuleStore Modules)
{
    /// <summary>XEP-0198 stream state kept across an sm restart; null when the backend has none (then a killed sm may cause duplicates).</summary>
    public IStreamStateStore? Streams { get; init; }

    public static SmStorage Of<T>(T backend) where T : IAccountStore, IOfflineStore, IRosterStore, ISubscriptionRequestStore, IStorageTransactions, IModuleStore =>
        new(backend, backend, backend, backend, backend, backend) { Streams = backend as IStreamStateStore };
}
