namespace Xmpp.Sm.Storage;

/// <summary>The stores sm works with; one backend may implement all of them.</summary>
public sealed record SmStorage(IAccountStore Accounts, IOfflineStore Offline, IRosterStore Rosters, ISubscriptionRequestStore Requests)
{
    public static SmStorage Of<T>(T backend) where T : IAccountStore, IOfflineStore, IRosterStore, ISubscriptionRequestStore =>
        new(backend, backend, backend, backend);
}
