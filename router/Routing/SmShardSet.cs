using System.Collections.Concurrent;
using Xmpp.Common;
using Xmpp.Common.Shards;
using Xmpp.Protos;

namespace Xmpp.Router.Routing;

/// <summary>
/// The live sm shards of each domain ("sm/&lt;domain&gt;#&lt;shard&gt;" addresses bound now) and the owner
/// of a frame addressed to the domain ("sm/&lt;domain&gt;"): the shard that rendezvous hashing of the
/// frame's bare JID picks over the live set (<see cref="Rendezvous"/>). Which JID decides:
/// <list type="bullet">
/// <item>a packet from a c2s: its sender (stanza_from): outbound processing happens on the sender's shard;</item>
/// <item>a packet from an sm shard (a shard hop) or a component: its addressee (stanza_to);</item>
/// <item>a session action: its target (START's full JID counts by its bare JID); one without a
///   target (LIST, ONLINE, ANNOUNCE) goes to the owner of the empty key, one deterministic shard.</item>
/// </list>
/// Updated under the routing table's bind lock; read lock-free on every routed frame.
/// </summary>
public sealed class SmShardSet
{
    private readonly ConcurrentDictionary<string, string[]> _byDomain = new(StringComparer.Ordinal); // "sm/<domain>" -> shard names

    public void Bound(string address)
    {
        if (!SmShardAddress.TryParse(address, out var domain, out var shard)) return;
        _byDomain.AddOrUpdate(domain, [shard], (_, shards) => shards.Contains(shard) ? shards : [.. shards, shard]);
    }

    public void Unbound(string address)
    {
        if (!SmShardAddress.TryParse(address, out var domain, out var shard)) return;
        _byDomain.AddOrUpdate(domain, [], (_, shards) => shards.Where(s => s != shard).ToArray());
    }

    /// <summary>The shard address owning <paramref name="frame"/>, addressed to a domain served by shards; null when none is live (or the address is no sm domain).</summary>
    public string? OwnerOf(Frame frame)
    {
        if (!_byDomain.TryGetValue(frame.To, out var shards) || shards.Length == 0) return null;
        var owner = Rendezvous.Owner(KeyOf(frame), shards);
        return owner is null ? null : frame.To + SmShardAddress.Separator + owner;
    }

    /// <summary>The bare JID that decides a frame's shard (see the class summary); "" when none.</summary>
    public static string KeyOf(Frame frame)
    {
        var jid = frame.BodyCase switch
        {
            Frame.BodyOneofCase.Packet => frame.From.StartsWith("c2s/", StringComparison.Ordinal) ? frame.Packet.StanzaFrom : frame.Packet.StanzaTo,
            Frame.BodyOneofCase.Session => frame.Session.Target,
            _ => "",
        };
        return Jid.TryParse(jid, out var parsed) ? parsed.Bare.ToString() : "";
    }
}
