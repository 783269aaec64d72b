using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.Sm.Core;

// What a shard hop (protos/router.proto, ShardHop) asks of the shard owning the user; raised on
// sm's hook table by the hop intake, taken by the IM modules that own the behaviour.

/// <summary>AVAILABLE: <paramref name="Stanza"/> as it is to every available resource of <paramref name="User"/>.</summary>
public sealed record ShardAvailable(Jid User, XElement Stanza);

/// <summary>ROSTER_PUSH: a push of <paramref name="Item"/> at <paramref name="Version"/> to every interested resource of <paramref name="User"/>.</summary>
public sealed record ShardRosterPush(Jid User, XElement Item, long Version);

/// <summary>CURRENT_PRESENCE (or UNAVAILABLE_PRESENCE): the publisher's presence (or unavailable) to the subscriber.</summary>
public sealed record ShardPresenceFor(Jid Publisher, Jid Subscriber, bool Current);
