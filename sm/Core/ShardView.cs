using System.Xml.Linq;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Shards;
using Xmpp.Common.Stanzas;
using Xmpp.Protos;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Core;

/// <summary>
/// This sm's view of its domain's shards (protos/router.proto, "sm shards"): the live shard set,
/// learned from the router's ComponentEvents, and whether this shard owns an account (rendezvous
/// hashing over that set). Unsharded (Sm:Shard empty) it owns everything and nothing here sends.
/// The IM code asks <see cref="Owns"/> before it touches a user's sessions; for a user another
/// shard owns it hands the work over as a shard hop (a packet to "sm/&lt;domain&gt;", which the router
/// gives to the owner). Used from sm's single consumer only.
/// </summary>
public sealed class ShardView(SmOptions options, Outbox outbox, ILogger logger)
{
    private readonly SortedSet<string> _live = new(StringComparer.Ordinal) { options.Shard };
    private readonly Dictionary<Jid, bool> _owned = [];
    private readonly ShardHopLedger _ledger = new(Math.Max(1, options.MaxUnconfirmedShardHops), logger);

    /// <summary>Whether this sm is one shard of several possible (Sm:Shard set).</summary>
    public bool Sharded => options.Shard.Length > 0;

    /// <summary>The shards bound now, this one included.</summary>
    public IReadOnlyCollection<string> Live => _live;

    /// <summary>A shard of this domain came or went: true if the set changed (then ownership may have moved).</summary>
    public bool Changed(string address, bool up)
    {
        if (!Sharded || !SmShardAddress.TryParse(address, out var domain, out var shard) || domain != options.DomainAddress || shard == options.Shard) return false;
        var changed = up ? _live.Add(shard) : _live.Remove(shard);
        if (!changed) return false;
        _owned.Clear();
        if (!up)
        {
            // What the gone shard had not confirmed goes to the new owners.
            var resend = _ledger.TakeUnconfirmed(address);
            if (resend.Count > 0) logger.LogInformation("{Shard} went away with {Count} hops of ours unconfirmed; sent again to their new owners", address, resend.Count);
            foreach (var packet in resend)
            {
                SmTelemetry.ShardHop(packet.Hop.Kind.ToString(), "resent");
                Hop(packet.Clone()); // the first frame may still be held by the link: a copy gets the new number
            }
        }
        return true;
    }

    /// <summary>A hop from <paramref name="from"/> was handled here: its ACK is owed (sent now when many are).</summary>
    public void Took(string from, ShardHop hop)
    {
        if (hop.Seq == 0) return;
        if (_ledger.Took(from, hop.Seq)) SendAcks(from);
    }

    /// <summary>Another shard confirmed our hops up to <paramref name="seq"/>.</summary>
    public void Confirmed(string from, ulong seq) => _ledger.Confirmed(from, seq);

    /// <summary>Sends the ACKs owed (all, or those of one shard); called about once a second. They follow, on the same link, the frames the hops caused.</summary>
    public void SendAcks(string? only = null)
    {
        foreach (var (shard, seq) in _ledger.TakeOwed(only))
            outbox.Send(new Frame { To = shard, Packet = new Packet { Hop = new ShardHop { Kind = ShardHop.Types.Kind.Ack, Seq = seq } } });
    }

    /// <summary>Whether this shard owns the account of <paramref name="user"/> (any JID: its bare JID counts).</summary>
    public bool Owns(Jid user)
    {
        if (!Sharded || _live.Count == 1) return true;
        var bare = user.Bare;
        if (_owned.TryGetValue(bare, out var owned)) return owned;
        if (_owned.Count > 100_000) _owned.Clear(); // a cache of a pure function: bounded, rebuilt on demand
        return _owned[bare] = Rendezvous.Owner(bare.ToString(), _live) == options.Shard;
    }

    /// <summary>Whether the session is another shard's session standing in as the origin of a stanza handed over here.</summary>
    public static bool IsRemote(SmSession session) => session.C2sAddress.StartsWith(SmShardAddress.Prefix, StringComparison.Ordinal);

    /// <summary>DELIVER: the stanza to its addressee's shard, which delivers it as from <paramref name="from"/> (RFC 6121 §8.5).</summary>
    public void Deliver(ByteString stanza, string kind, string type, string to, string from) =>
        Hop(new Packet { Stanza = stanza, Kind = kind, Type = type, StanzaTo = to, StanzaFrom = from, Hop = new ShardHop { Kind = ShardHop.Types.Kind.Deliver } });

    /// <summary>AVAILABLE: the stanza as it is to every available resource of <paramref name="user"/>.</summary>
    public void Available(Jid user, XElement stanza) =>
        Hop(Packet(stanza, user, ShardHop.Types.Kind.Available));

    /// <summary>ROSTER_PUSH: a push of <paramref name="item"/> to every interested resource of <paramref name="user"/>.</summary>
    public void RosterPush(Jid user, XElement item, long version)
    {
        var packet = Packet(item, user, ShardHop.Types.Kind.RosterPush);
        packet.Kind = "iq";
        packet.Hop.RosterVersion = version;
        Hop(packet);
    }

    /// <summary>CURRENT_PRESENCE / UNAVAILABLE_PRESENCE: the publisher's shard sends its presence (or unavailable) to the subscriber.</summary>
    public void PresenceFor(Jid publisher, Jid subscriber, bool current) =>
        Hop(new Packet
        {
            Kind = "presence", StanzaTo = publisher.Bare.ToString(),
            Hop = new ShardHop { Kind = current ? ShardHop.Types.Kind.CurrentPresence : ShardHop.Types.Kind.UnavailablePresence, Subscriber = subscriber.Bare.ToString() },
        });

    /// <summary>PROBE: the contact's shard answers the prober's probe on the contact's behalf (RFC 6121 §4.3.2).</summary>
    public void Probe(SmSession prober, Jid contact, string? id)
    {
        var probe = new XElement(Xmpp.Sm.Routing.Stanza.Client + "presence", new XAttribute("type", "probe"),
            new XAttribute("from", prober.FullJidText), new XAttribute("to", contact.ToString()));
        if (id is not null) probe.SetAttributeValue("id", id);
        var packet = Packet(probe, contact, ShardHop.Types.Kind.Probe);
        packet.Type = "probe";
        packet.StanzaFrom = prober.FullJidText;
        Hop(packet);
    }

    private static Packet Packet(XElement stanza, Jid to, ShardHop.Types.Kind kind) => new()
    {
        Stanza = UnsafeByteOperations.UnsafeWrap(StanzaCodec.ToBytes(stanza)),
        Kind = stanza.Name.LocalName,
        Type = (string?)stanza.Attribute("type") ?? "",
        StanzaTo = to.ToString(),
        StanzaFrom = (string?)stanza.Attribute("from") ?? "",
        Hop = new ShardHop { Kind = kind },
    };

    /// <summary>Sends a hop to the domain's address; the router gives it to the shard owning stanza_to.</summary>
    public void Hop(Packet packet)
    {
        SmTelemetry.ShardHop(packet.Hop.Kind.ToString(), "sent");
        if (packet.Hop.Kind == ShardHop.Types.Kind.Deliver && Rendezvous.Owner(Jid.TryParse(packet.StanzaTo, out var to) ? to.Bare.ToString() : "", _live) is { } owner)
            _ledger.Sent(options.DomainAddress + SmShardAddress.Separator + owner, packet);
        outbox.Send(new Frame { To = options.DomainAddress, Packet = packet });
    }
}
