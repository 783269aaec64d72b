using System.Collections.Concurrent;
using Xmpp.Protos;

namespace Xmpp.Router.Routing;

/// <summary>Which component answers to which address, and the component up/down announcements.</summary>
public sealed class RoutingTable
{
    private readonly ConcurrentDictionary<string, ComponentLink> _byAddress = new(StringComparer.Ordinal);
    private readonly Lock _bindLock = new();

    /// <summary>Set when the router is stopping: links that end are not announced as down (the components only lose this router, not each other).</summary>
    public volatile bool Stopping;

    public ComponentLink? Find(string address) => _byAddress.GetValueOrDefault(address);

    /// <summary>The live sm shards per domain: a frame for "sm/&lt;domain&gt;" that nothing binds goes to its owner among them.</summary>
    public SmShardSet Shards { get; } = new();

    /// <summary>The component a frame goes to: the one bound to its address, else the owning sm shard.</summary>
    public ComponentLink? FindFor(Frame frame) =>
        _byAddress.GetValueOrDefault(frame.To) ?? (Shards.OwnerOf(frame) is { } shard ? _byAddress.GetValueOrDefault(shard) : null);

    /// <summary>
    /// Binds every address to the component, or none of them when one is taken or malformed.
    /// On success the others learn of the new addresses and the new component of all existing ones.
    /// </summary>
    public string? TryBind(ComponentLink link, IReadOnlyList<string> addresses)
    {
        if (addresses.Count == 0) return "bind names no address";
        lock (_bindLock)
        {
            foreach (var address in addresses)
            {
                if (!IsValidAddress(address)) return $"address '{address}' is not of the form kind/name";
                if (_byAddress.ContainsKey(address)) return $"address {address} is already bound";
            }
            foreach (var address in addresses)
            {
                _byAddress[address] = link;
                Shards.Bound(address);
            }
            link.Addresses = addresses.ToArray();

            foreach (var (address, other) in _byAddress)
                if (other != link) link.TryEnqueue(Event(address, up: true));
            foreach (var other in Components())
                if (other != link)
                    foreach (var address in addresses) other.TryEnqueue(Event(address, up: true));
        }
        return null;
    }

    /// <summary>Removes a component's addresses and tells every other component they are down.</summary>
    public void Unbind(ComponentLink link)
    {
        lock (_bindLock)
        {
            foreach (var address in link.Addresses)
                if (_byAddress.TryRemove(new KeyValuePair<string, ComponentLink>(address, link)))
                    Shards.Unbound(address);
            if (Stopping) return;
            foreach (var other in Components())
                foreach (var address in link.Addresses) other.TryEnqueue(Event(address, up: false));
        }
    }

    /// <summary>Every bound address with its link, ordered by address (Router.Components).</summary>
    public IReadOnlyList<KeyValuePair<string, ComponentLink>> Bound() => _byAddress.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();

    public IReadOnlyCollection<ComponentLink> Components() => _byAddress.Values.Distinct().ToList();

    private static bool IsValidAddress(string address)
    {
        var slash = address.IndexOf('/');
        return slash > 0 && slash < address.Length - 1 && address.Length <= 1024;
    }

    private static Frame Event(string address, bool up) =>
        new() { From = "router", Component = new ComponentEvent { Address = address, Up = up } };
}
