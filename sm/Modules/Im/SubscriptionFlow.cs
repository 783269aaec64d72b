using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;

namespace Xmpp.Sm.Modules.Im;

/// <summary>
/// A subscription stanza between two users of this server (RFC 6121 §3): the sender's server
/// side (outbound processing, Appendix A.2) and then, when the table says to route it, the
/// contact's server side (inbound processing, A.3) - both are sm. Every state change is written
/// and pushed to the owner's interested resources; when a subscription starts the subscriber gets
/// the publisher's current presence (§3.1.5), when it ends an unavailable per resource (§3.2.2, §3.3.3).
/// </summary>
public sealed class SubscriptionFlow(SmContext ctx, RosterBook book, PresenceRelay relay)
{
    private readonly ILogger _logger = ctx.Logger("Xmpp.Sm.Modules.Subscriptions");

    public enum Result { Done, RosterFull }

    /// <summary>
    /// <paramref name="user"/> sends <paramref name="type"/> to <paramref name="contact"/> (both bare).
    /// The routed stanza is <paramref name="original"/> stamped from the user's bare JID to the
    /// contact's bare JID (§3.1.2), children (status, nick) kept.
    /// </summary>
    public Result Outbound(Jid user, Jid contact, string type, XElement original)
    {
        // The user's and the contact's state changes are one change: both or neither.
        using var tx = ctx.Storage.Transactions.Begin();
        var result = OutboundSteps(user, contact, type, original);
        tx.Commit();
        return result;
    }

    private Result OutboundSteps(Jid user, Jid contact, string type, XElement original)
    {
        var before = book.State(user, contact);
        var outcome = SubscriptionRules.Outbound(before, type);
        if (!book.Apply(user, contact, before, outcome.Next)) return Result.RosterFull;
        _logger.LogDebug("{User} sent {Type} to {Contact}: {Before} -> {After}, routed: {Routed}", user, type, contact, before, outcome.Next, outcome.Pass);

        if (outcome.Pass && ctx.UserExists(contact)) // §8.5.1: nothing for an account that does not exist
            Inbound(contact, user, type, Stamp(original, user, contact));
        PresenceEffects(user, contact, before, outcome.Next);
        return Result.Done;
    }

    /// <summary><paramref name="type"/> from <paramref name="contact"/> arrives for <paramref name="user"/> (both bare; A.3).</summary>
    public void Inbound(Jid user, Jid contact, string type, XElement stanza)
    {
        using var tx = ctx.Storage.Transactions.Begin(); // with the auto-reply's change on the other side
        InboundSteps(user, contact, type, stanza);
        tx.Commit();
    }

    private void InboundSteps(Jid user, Jid contact, string type, XElement stanza)
    {
        var before = book.State(user, contact);
        var outcome = SubscriptionRules.Inbound(before, type);
        _logger.LogDebug("{User} received {Type} from {Contact}: {Before} -> {After}, delivered: {Delivered}, auto-reply: {AutoReply}",
            user, type, contact, before, outcome.Next, outcome.Pass, outcome.AutoReply);

        // The presence first, then the roster push the change causes (RFC 6121 §3.1.6, §3.2.3; as
        // Prosody does): a client sees <presence type='subscribed'/> before the item turning 'to'.
        if (outcome.Pass) relay.ToAvailable(user, stanza); // with no available resource, a request stays pending (§3.1.3)
        book.Apply(user, contact, before, outcome.Next, request: stanza, enforceLimit: false);
        if (outcome.AutoReply) Inbound(contact, user, SubscriptionRules.Subscribed, Build(user, contact, SubscriptionRules.Subscribed, (string?)stanza.Attribute("id")));
        PresenceEffects(user, contact, before, outcome.Next);
    }

    /// <summary>
    /// RFC 6121 §2.5.2: the user removed the contact from the roster (the item is already gone).
    /// A subscription to the contact (or a pending request) is cancelled with unsubscribe, the
    /// contact's subscription (or pending request) with unsubscribed.
    /// </summary>
    public void Removed(Jid user, Jid contact, SubscriptionState before)
    {
        if (!ctx.UserExists(contact)) return;
        if (before.To || before.PendingOut)
            Inbound(contact, user, SubscriptionRules.Unsubscribe, Build(user, contact, SubscriptionRules.Unsubscribe, null));
        if (before.From || before.PendingIn)
            Inbound(contact, user, SubscriptionRules.Unsubscribed, Build(user, contact, SubscriptionRules.Unsubscribed, null));
        PresenceEffects(user, contact, before, SubscriptionState.None);
    }

    /// <summary>The owner's 'from' side changed: the contact starts or stops seeing the owner's presence.</summary>
    private void PresenceEffects(Jid owner, Jid contact, SubscriptionState before, SubscriptionState after)
    {
        if (!before.From && after.From) relay.CurrentPresence(owner, contact);
        else if (before.From && !after.From) relay.Unavailable(owner, contact);
    }

    private static XElement Stamp(XElement original, Jid from, Jid to)
    {
        var stanza = new XElement(original);
        stanza.SetAttributeValue("from", from.Bare.ToString());
        stanza.SetAttributeValue("to", to.Bare.ToString());
        return stanza;
    }

    public static XElement Build(Jid from, Jid to, string type, string? id)
    {
        var stanza = new XElement(Stanza.Client + "presence",
            new XAttribute("from", from.Bare.ToString()),
            new XAttribute("to", to.Bare.ToString()),
            new XAttribute("type", type));
        if (id is not null) stanza.SetAttributeValue("id", id);
        return stanza;
    }
}
