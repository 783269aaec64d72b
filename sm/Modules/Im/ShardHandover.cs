using Xmpp.Sm.Core;

namespace Xmpp.Sm.Modules.Im;

/// <summary>
/// sm shards: the IM work another shard hands to this one for a user it owns (protos/router.proto,
/// ShardHop): presence for the user's available resources, roster pushes, and the user's current
/// presence (or unavailable) for a subscriber. Unsharded, nothing raises these.
/// </summary>
public sealed class ShardHandover(RosterBook book, PresenceRelay relay) : IModule
{
    public string Name => "shard-handover";

    public void Load(HookTable hooks)
    {
        hooks.On<ShardAvailable>(e => relay.ToAvailable(e.User, e.Stanza));
        hooks.On<ShardRosterPush>(e => book.Push(e.User, e.Item, e.Version));
        hooks.On<ShardPresenceFor>(e =>
        {
            if (e.Current) relay.CurrentPresence(e.Publisher, e.Subscriber);
            else relay.Unavailable(e.Publisher, e.Subscriber);
        });
    }
}
