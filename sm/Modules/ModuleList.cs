using Xmpp.Sm.Core;

namespace Xmpp.Sm.Modules;

/// <summary>
/// The loaded modules, in processing order: for a given hook name, handlers run in this order
/// until one handles the stanza. Specific features come first; <see cref="Delivery"/> is last, the
/// catch-all that delivers what no feature claimed. A new XEP adds its module here.
/// </summary>
public static class ModuleList
{
    public static IReadOnlyList<IModule> Create(SmContext ctx) =>
    [
        new Presence(ctx),
        new Roster(ctx),
        new Disco(ctx),
        new Ping(ctx),
        new Offline(ctx),
        new Delivery(ctx),
    ];
}
