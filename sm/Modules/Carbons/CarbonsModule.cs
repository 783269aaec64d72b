using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Modules.Carbons;

/// <summary>
/// XEP-0280 Message Carbons. A session enables or disables carbons for itself (§4, §5); then a
/// message its user sends from another resource reaches it as a &lt;sent/&gt; carbon (§7), and a
/// message for its user that routing gives to another resource reaches it as a &lt;received/&gt;
/// carbon (§6). Resources that get the message itself get no carbon of it. Which messages are
/// copied: <see cref="CarbonRules"/>. It runs after the archive (so copies carry the XEP-0359
/// ids) and before Delivery, which then delivers the original.
/// </summary>
public sealed class CarbonsModule(SmContext ctx) : IModule
{
    /// <summary>The sm session ids that enabled carbons.</summary>
    private readonly HashSet<string> _enabled = new(StringComparer.Ordinal);
    private readonly ILogger _logger = ctx.Logger("Xmpp.Sm.Modules.Carbons");

    public string Name => "carbons";

    public void Load(HookTable hooks)
    {
        hooks.Disco.AddServerFeature(CarbonRules.Namespace);
        hooks.Hook($"iq-set/self/{CarbonRules.Namespace}:enable", e => Toggle(e, true));
        hooks.Hook($"iq-set/self/{CarbonRules.Namespace}:disable", e => Toggle(e, false));
        hooks.Hook("message/bare", Copy);
        hooks.Hook("message/full", Copy);
        // sm shards: a message handed over by the sender's shard gets its <received/> carbons on the recipient's (the <sent/> ones were made there).
        hooks.Hook(ShardHopIntake.HookPrefix + "message/bare", Copy);
        hooks.Hook(ShardHopIntake.HookPrefix + "message/full", Copy);
        hooks.On<SessionEnded>(ended => _enabled.Remove(ended.Session.Id));
    }

    /// <summary>Whether the session asked for carbons.</summary>
    public bool IsEnabled(SmSession session) => _enabled.Contains(session.Id);

    private bool Toggle(StanzaEvent e, bool on)
    {
        if (on) _enabled.Add(e.Origin.Id);
        else _enabled.Remove(e.Origin.Id);
        _logger.LogDebug("Carbons {State} for session {Session}", on ? "enabled" : "disabled", e.Origin.Id);
        ctx.ReplyResult(e);
        return true;
    }

    private bool Copy(StanzaEvent e)
    {
        if (_enabled.Count == 0 || !CarbonRules.IsCopyableType(e.Type)) return false; // nobody asked: the message is not even parsed
        var recipients = DirectRecipients(e) ?? [];
        var sent = Interested(e.From, e, recipients);
        // A message to oneself (another resource, or the own bare JID) gets <sent/> carbons only.
        var received = recipients.Count == 0 || e.To!.Bare == e.From.Bare ? [] : Interested(e.To, e, recipients);
        if (sent.Count == 0 && received.Count == 0) return false;
        if (!CarbonRules.IsEligible(e.Stanza)) return false;

        var original = new XElement(e.Stanza);
        if (original.Attribute("to") is null) original.SetAttributeValue("to", e.To!.ToString());
        foreach (var session in sent) Send(session, original, sent: true);
        foreach (var session in received) Send(session, original, sent: false);
        return false; // Delivery delivers the message itself
    }

    private void Send(SmSession session, XElement original, bool sent)
    {
        ctx.Out.ToSession(session, CarbonRules.Wrap(original, session.BareJid, session.FullJid, sent));
        ArchiveTelemetry.Add(ArchiveTelemetry.Carbons, "direction", sent ? "sent" : "received");
    }

    /// <summary>The user's sessions that enabled carbons, but neither the one that sent the message nor those that get it.</summary>
    private List<SmSession> Interested(Jid user, StanzaEvent e, IReadOnlyList<SmSession> recipients) =>
        ctx.Sessions.OfUser(user).Where(s => s != e.Origin && _enabled.Contains(s.Id) && !recipients.Contains(s)).ToList();

    /// <summary>
    /// The sessions Delivery gives the message to (RFC 6121 §8.5): the connected full JID it names,
    /// else (a message to the bare JID, or a chat message to a resource that is gone) the available
    /// resources of highest non-negative priority; null when none, the message then goes to
    /// offline storage (delivered later, so no carbon now) or is refused.
    /// </summary>
    private IReadOnlyList<SmSession>? DirectRecipients(StanzaEvent e)
    {
        if (e.Target == TargetKind.Full)
        {
            if (ctx.Sessions.FindFull(e.To!) is { } session) return [session];
            if (e.Type != "chat") return null;
        }
        var reachable = ctx.Sessions.OfUser(e.To!.Bare).Where(Presence.IsReachable).ToList();
        if (reachable.Count == 0) return null;
        var top = reachable.Max(s => s.Priority);
        return reachable.Where(s => s.Priority == top).ToList();
    }
}
