using Xmpp.Common;
using Xmpp.Common.Shards;

namespace Xmpp.C2s.Routing;

/// <summary>
/// The live sm shards of our domain as the router announces them, and which shard owns an account
/// (rendezvous hashing, as the router computes it). Used to move sessions when the set changes.
/// </summary>
public sealed class SmShards
{
    private readonly Lock _lock = new();
    private string[] _live = [];

    public int Count => Volatile.Read(ref _live).Length;

    public IReadOnlyList<string> Live => Volatile.Read(ref _live);

    public bool Changed(string shard, bool up)
    {
        lock (_lock)
        {
            if (up == _live.Contains(shard)) return false;
            _live = up ? [.. _live, shard] : _live.Where(s => s != shard).ToArray();
            return true;
        }
    }

    /// <summary>The address of the shard owning <paramref name="account"/>, or null when none is live.</summary>
    public string? OwnerAddress(string domainAddress, Jid account) =>
        Rendezvous.Owner(account.Bare.ToString(), Live) is { } shard ? domainAddress + SmShardAddress.Separator + shard : null;

    /// <summary>Whether <paramref name="address"/> is a live shard of the domain.</summary>
    public bool IsLive(string domainAddress, string address) =>
        SmShardAddress.TryParse(address, out var domain, out var shard) && domain == domainAddress && Live.Contains(shard);
}
