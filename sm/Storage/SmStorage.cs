namespace Xmpp.Sm.Storage;

/// <summary>The stores sm works with; one backend may implement all of them.</summary>
public sealed record SmStorage(IAccountStore Accounts, IOfflineStore Offline, IRosterStore Rosters, ISubscriptionRequestStore Requests, IStorageTransactions Transactions)
{
    public static SmStorage Of<T>(T backend) where T : IAccountStore, IOfflineStore, IRosterStore, ISubscriptionRequestStore, IStorageTransactions =>
        new(backend, backend, backend, backend, backend);
}
