using System.Xml;
using System.Xml.Linq;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using Xmpp.Sm.Modules;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Routing;

/// <summary>
/// The door for packets from service components (frames from "component/&lt;domain&gt;"). The router
/// already checked the hint stanza_from against the bound domain; here the stanza's own 'from' must
/// match it too. Then, by its 'to':
/// <list type="bullet">
/// <item>a user of ours: delivered as RFC 6121 §8.5 delivers a stanza from another entity (the
///   connected resource of a full JID; for a bare JID the most available resources, a chat or normal
///   message to offline storage when none is); delivery filters (XEP-0191 blocking) apply. Presence
///   subscription stanzas and iq requests for the server or an account are not handled for components
///   yet: dropped with a log line and a counter, an iq request answered &lt;service-unavailable/&gt;;</item>
/// <item>another bound component: forwarded to it;</item>
/// <item>anything else: an error back to the component (&lt;service-unavailable/&gt; or &lt;remote-server-not-found/&gt;).</item>
/// </list>
/// Errors and results are never answered with an error. Every drop is logged and counted.
/// </summary>
public sealed class ComponentIntake(SmContext ctx, ComponentDomains components, ILogger logger)
{
    private static readonly XNamespace Client = Ns.Client;

    public void Handle(Frame frame)
    {
        var domain = ComponentDomains.DomainOf(frame.From)!;
        var packet = frame.Packet;
        XElement stanza;
        try
        {
            stanza = StanzaCodec.Parse(packet.Stanza.Span);
        }
        catch (XmlException e)
        {
            Drop("unparsable", $"unparsable stanza from {frame.From}: {e.Message}");
            return;
        }
        var kind = stanza.Name.LocalName;
        if (stanza.Name.Namespace != Client || kind is not ("message" or "presence" or "iq"))
        {
            Drop("not-a-stanza", $"a non-stanza element {stanza.Name} from {frame.From}");
            return;
        }
        if (!Jid.TryParse((string?)stanza.Attribute("from"), out var from) || from.Domain != domain ||
            !Jid.TryParse(packet.StanzaFrom, out var hinted) || hinted != from)
        {
            Drop("foreign-from", $"a stanza from {frame.From} whose 'from' is not within {domain}");
            return;
        }
        if (!Jid.TryParse((string?)stanza.Attribute("to"), out var to))
        {
            Answer(domain, stanza, StanzaErrors.JidMalformed);
            return;
        }
        if (to.Domain != ctx.Domain)
        {
            switch (components.StateOf(to.Domain))
            {
                case ComponentDomains.State.Bound:
                    ComponentForwarder.Forward(ctx.Out, to.Domain, stanza);
                    break;
                case ComponentDomains.State.Down:
                    Answer(domain, stanza, StanzaErrors.ServiceUnavailable, StanzaErrors.Wait);
                    break;
                default:
                    Answer(domain, stanza, "remote-server-not-found", StanzaErrors.Cancel);
                    break;
            }
            return;
        }
        var type = (string?)stanza.Attribute("type") ?? "";
        switch (kind)
        {
            case "message": Message(domain, stanza, to, type); break;
            case "iq": Iq(domain, stanza, to, type); break;
            default: PresenceTo(stanza, to, type); break;
        }
    }

    private void Message(string domain, XElement stanza, Jid to, string type)
    {
        type = type is "chat" or "groupchat" or "headline" or "error" ? type : "normal";
        if (to.Local is null)
        {
            if (type != "error") Answer(domain, stanza, StanzaErrors.ServiceUnavailable);
            return;
        }
        if (to.IsFull)
        {
            if (ctx.Sessions.FindFull(to) is { } session)
            {
                ctx.Out.ToSession(session, stanza);
                return;
            }
            if (type != "chat")
            {
                if (type is "normal" or "groupchat") Answer(domain, stanza, StanzaErrors.ServiceUnavailable);
                else Drop("undeliverable", $"a {type} message from {domain} for an offline resource");
                return;
            }
        }
        if (type == "error") return;
        if (type == "groupchat" || !ctx.UserExists(to.Bare))
        {
            Answer(domain, stanza, StanzaErrors.ServiceUnavailable);
            return;
        }
        var reachable = ctx.Sessions.OfUser(to.Bare).Where(Modules.Presence.IsReachable).ToArray();
        if (type == "headline")
        {
            foreach (var session in reachable) ctx.Out.ToSession(session, stanza);
            return;
        }
        if (reachable.Length > 0)
        {
            var top = reachable.Max(s => s.Priority);
            foreach (var session in reachable.Where(s => s.Priority == top)) ctx.Out.ToSession(session, stanza);
            return;
        }
        var offline = new ReturnedMessage(to.Bare, UnsafeByteOperations.UnsafeWrap(StanzaCodec.ToBytes(stanza)));
        ctx.Hooks.Raise(offline);
        if (!offline.Stored) Answer(domain, stanza, StanzaErrors.ServiceUnavailable);
    }

    private void Iq(string domain, XElement stanza, Jid to, string type)
    {
        if (to.IsFull && to.Local is not null && ctx.Sessions.FindFull(to) is { } session)
        {
            ctx.Out.ToSession(session, stanza);
            return;
        }
        if (type is "get" or "set") Answer(domain, stanza, StanzaErrors.ServiceUnavailable); // §8.5.3.2.3; server/account iqs not served to components yet
        else Drop("undeliverable", $"an iq {type} from {domain} for {(to.IsFull ? "an offline resource" : "a bare JID")}");
    }

    private void PresenceTo(XElement stanza, Jid to, string type)
    {
        if (type is "subscribe" or "subscribed" or "unsubscribe" or "unsubscribed" or "probe")
        {
            Drop("subscription", $"a presence {type} from a component (not handled for components yet)");
            return;
        }
        if (to.Local is null) return;
        if (to.IsFull)
        {
            if (ctx.Sessions.FindFull(to) is { } session) ctx.Out.ToSession(session, stanza);
            return; // §8.5.3.2.2: dropped
        }
        foreach (var session in ctx.Sessions.OfUser(to))
            if (session.Available) ctx.Out.ToSession(session, stanza);
    }

    /// <summary>An error reply to the component that sent <paramref name="stanza"/>; never for an error or an iq result.</summary>
    private void Answer(string domain, XElement stanza, string condition, string? type = null)
    {
        var stanzaType = (string?)stanza.Attribute("type");
        if (stanzaType == "error" || (stanza.Name.LocalName == "iq" && stanzaType == "result")) return;
        SmTelemetry.Refused(stanza.Name.LocalName, condition);
        logger.LogDebug("Refused a {Kind} from component {Domain} to {To}: {Condition}", stanza.Name.LocalName, domain, (string?)stanza.Attribute("to") ?? "(none)", condition);
        ComponentForwarder.Forward(ctx.Out, domain, StanzaErrors.Reply(stanza, type ?? StanzaErrors.DefaultType(condition), condition));
    }

    private void Drop(string reason, string what)
    {
        logger.LogInformation("Dropped {What}", what);
        SmTelemetry.ComponentDropped(reason);
    }
}
