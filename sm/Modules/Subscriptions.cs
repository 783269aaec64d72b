using System.Xml;
using Microsoft.Extensions.Logging;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Modules.Im;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;

namespace Xmpp.Sm.Modules;

/// <summary>
/// RFC 6121 §3 presence subscriptions between users of this domain: subscribe, subscribed,
/// unsubscribe and unsubscribed, processed through the state tables of Appendix A (see
/// <see cref="SubscriptionFlow"/>), with pre-approvals (§3.4). A request the contact has not
/// answered is kept and delivered again to each resource that sends initial presence, until it
/// is answered (§3.1.3).
/// Stream feature for c2s to announce (RFC 6121 §3.4): <c>&lt;sub xmlns='urn:xmpp:features:pre-approval'/&gt;</c>.
/// </summary>
public sealed class Subscriptions(SmContext ctx, SubscriptionFlow flow) : IModule
{
    /// <summary>The pre-approval stream feature's namespace (RFC 6121 §3.4).</summary>
    public const string PreApprovalFeature = "urn:xmpp:features:pre-approval";

    private readonly ILogger _logger = ctx.Logger("Xmpp.Sm.Modules.Subscriptions");

    public string Name => "subscriptions";

    public void Load(HookTable hooks)
    {
        hooks.Hook("presence/bare", Handle);
        hooks.Hook("presence/full", Handle); // §3.1.3: a subscription stanza to a full JID is treated as to the bare JID
        hooks.On<InitialPresence>(initial => Redeliver(initial.Session));
    }

    private bool Handle(StanzaEvent e)
    {
        if (!SubscriptionRules.IsSubscriptionType(e.Type)) return false;
        var user = e.From.Bare;
        var contact = e.To!.Bare;
        if (contact == user)
        {
            ctx.Reply(e, StanzaErrors.Reply(e.Stanza, StanzaErrors.Cancel, StanzaErrors.NotAllowed, "a subscription to your own account is implicit"));
            return true;
        }
        if (flow.Outbound(user, contact, e.Type, e.Stanza) == SubscriptionFlow.Result.RosterFull)
            ctx.Reply(e, StanzaErrors.Reply(e.Stanza, StanzaErrors.Cancel, StanzaErrors.NotAllowed,
                $"your roster is full (at most {ctx.Options.RosterLimit} items)"));
        return true;
    }

    /// <summary>§3.1.3: every unanswered request goes to a resource as it becomes available.</summary>
    private void Redeliver(SmSession session)
    {
        foreach (var request in ctx.Storage.Requests.GetRequests(RosterBook.Key(session.BareJid)))
        {
            try
            {
                ctx.Out.ToSession(session, StanzaCodec.Parse(request.Stanza));
            }
            catch (XmlException e)
            {
                _logger.LogWarning("Unreadable pending subscription request from {Contact} to {User}: {Error}", request.Contact, session.BareJid, e.Message);
            }
        }
    }
}
