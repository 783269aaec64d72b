using Xmpp.Sm.Core;
using Xmpp.Sm.Modules.Im;

namespace Xmpp.Sm.Modules;

/// <summary>
/// The loaded modules, in processing order: for a given hook name, handlers run in this order
/// until one handles the stanza. Specific features come first; <see cref="Delivery"/> is last, the
/// catch-all that delivers what no feature claimed. A new XEP adds its module here: one line,
/// <c>new &lt;Feature&gt;.&lt;Feature&gt;Module(ctx),</c> anywhere before Delivery (see sm/README.md).
/// For presence to another user ("presence/bare", "presence/full"): <see cref="Subscriptions"/>
/// takes subscription stanzas, <see cref="Probes"/> probes, <see cref="DirectedPresence"/>
/// remembers directed presence and lets <see cref="Delivery"/> deliver it.
/// </summary>
public static class ModuleList
{
    public static IReadOnlyList<IModule> Create(SmContext ctx)
    {
        // What the IM modules (RFC 6121) share: the rosters with their pushes, presence delivery, the subscription state machine.
        var book = new RosterBook(ctx);
        var relay = new PresenceRelay(ctx);
        var flow = new SubscriptionFlow(ctx, book, relay);
        var caps = new Caps.CapsModule(ctx); // first: it watches each available presence before Presence takes it
        return
        [
            caps,
            new Presence(ctx, book, relay),
            new Roster(ctx, book, flow),
            new Subscriptions(ctx, flow),
            new Probes(ctx, book, relay, flow),
            new DirectedPresence(ctx, book, relay),
            new ShardHandover(book, relay),
            new Disco.DiscoModule(ctx),
            new Ping.PingModule(ctx),
            new Version.VersionModule(ctx),
            new Time.TimeModule(ctx),
            new LastActivity.LastActivityModule(ctx),
            new VCard.VCardModule(ctx),
            new PrivateStorage.PrivateStorageModule(ctx),
            new Blocking.BlockingModule(ctx, book, relay),
            new ContactAddresses.ContactAddressesModule(ctx),
            new ExternalServices.ExternalServicesModule(ctx),
            new Registration.RegistrationModule(ctx),
            new AdHoc.AdHocModule(ctx),
            new Archive.ArchiveModule(ctx),
            new Carbons.CarbonsModule(ctx),
            new Pep.PepModule(ctx, caps),
            new Fast.FastModule(ctx),
            new Offline(ctx),
            new Delivery(ctx),
        ];
    }
}
