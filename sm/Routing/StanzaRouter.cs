using System.Xml.Linq;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Sessions;

namespace Xmpp.Sm.Routing;

/// <summary>
/// Prosody's stanza router for stanzas from local sessions: classifies the addressee, turns the
/// stanza's shape into hook names and offers it to the modules' handlers, most specific first:
/// <list type="number">
/// <item>iq get/set: "iq-get/&lt;target&gt;/&lt;payload ns&gt;:&lt;payload name&gt;"
///   (an iq to the sender's own account, with no 'to' or to the own bare JID, falls back to the
///   handler for any account, "iq-get/bare/...": RFC 6120 §10.3.3)</item>
/// <item>"&lt;kind&gt;/&lt;target&gt;", e.g. "message/bare", "presence/self", "iq/full"</item>
/// <item>the defaults here: an unhandled iq get/set gets &lt;service-unavailable/&gt;, the rest is dropped.</item>
/// </list>
/// Stanzas for a service component's domain (<see cref="ComponentDomains"/>) pass the filters and
/// go to the component (<see cref="ComponentForwarder"/>); one that is down gets &lt;service-unavailable/&gt;.
/// Stanzas for another domain get &lt;remote-server-not-found/&gt;: there is no s2s yet.
/// </summary>
public sealed class StanzaRouter(SmContext ctx, ILogger logger, ComponentDomains? components = null)
{
    private const string RemoteServerNotFound = "remote-server-not-found";

    /// <summary>
    /// Fired first for every stanza to another entity (a bare or full JID, or the server): a handler
    /// that returns true has refused it (answered with an error, or dropped it with a log line and a
    /// counter), and no other hook sees it. XEP-0191 blocking hooks here.
    /// </summary>
    public const string FilterHook = "stanza/filter";

    /// <summary>Fired for presence to a service component's JID before it is forwarded (a handler that returns true keeps it from the component).</summary>
    public const string ComponentPresenceHook = "presence/component";

    public void Route(XElement stanza, SmSession origin)
    {
        var kind = stanza.Name.LocalName;
        var error = Address(kind, (string?)stanza.Attribute("to"), origin, out var to, out var target);
        if (error is not { Condition: StanzaErrors.JidMalformed } && kind == "iq" && !IsWellFormedIq(stanza))
            error = new AddressError(StanzaErrors.BadRequest, null);
        if (error is { } refused)
        {
            ctx.ReplyError(stanza, origin, refused.Condition, refused.Type);
            return;
        }
        Dispatch(new StanzaEvent(stanza, origin, to, target));
    }

    /// <summary>
    /// Routes a stanza known by its bytes and c2s's hints (kind, type, normalized 'to'); it is
    /// parsed only if a handler needs the tree. An iq is always parsed: its shape picks the handler.
    /// </summary>
    public void Route(ByteString raw, string kind, string type, string toText, SmSession origin)
    {
        if (kind == "iq")
        {
            Route(StanzaCodec.Parse(raw.Span), origin);
            return;
        }
        if (Address(kind, toText.Length > 0 ? toText : null, origin, out var to, out var target) is { } error)
        {
            ctx.ReplyError(StanzaCodec.Parse(raw.Span), origin, error.Condition, error.Type);
            return;
        }
        Dispatch(new StanzaEvent(raw, kind, type, toText, origin, to, target));
    }

    private readonly record struct AddressError(string Condition, string? Type);

    /// <summary>The addressee and its kind; RFC 6120 §10.3: no 'to' means the sender's own account.</summary>
    private AddressError? Address(string kind, string? toText, SmSession origin, out Jid to, out TargetKind target)
    {
        Jid? parsed = null;
        to = origin.BareJid;
        target = TargetKind.Self;
        if (toText is not null && !Jid.TryParse(toText, out parsed))
            return new AddressError(StanzaErrors.JidMalformed, null);
        target = Classify(kind, parsed, origin);
        if (target == TargetKind.Remote)
        {
            switch (components?.StateOf(parsed!.Domain))
            {
                case ComponentDomains.State.Bound:
                    target = TargetKind.Component;
                    break;
                case ComponentDomains.State.Down:
                    // RFC 6120 §10.5: a domain this deployment serves, whose service is absent now; it may come back.
                    return new AddressError(StanzaErrors.ServiceUnavailable, StanzaErrors.Wait);
                default:
                    return new AddressError(RemoteServerNotFound, StanzaErrors.Cancel); // no s2s yet
            }
        }
        to = parsed ?? origin.BareJid;
        return null;
    }

    private void Dispatch(StanzaEvent e)
    {
        try
        {
            if (e.Target != TargetKind.Self && ctx.Hooks.Fire(FilterHook, e)) return;
            if (e.Target == TargetKind.Component)
            {
                // "presence/component": modules see presence to a service (directed presence to a room is remembered)
                if (e.Kind != "presence" || !ctx.Hooks.Fire(ComponentPresenceHook, e)) ComponentForwarder.Forward(ctx.Out, e);
                return;
            }
            if (!Fire(e)) Unhandled(e);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Handling {Stanza} from session {Session} failed", e, e.Origin.Id);
            ctx.ReplyError(e, StanzaErrors.InternalServerError);
        }
    }

    private TargetKind Classify(string kind, Jid? to, SmSession origin)
    {
        if (to is null) return kind == "message" ? TargetKind.Bare : TargetKind.Self;
        if (to.Domain != ctx.Domain) return TargetKind.Remote;
        if (to.Local is null) return TargetKind.Host;
        if (to.IsFull) return TargetKind.Full;
        return kind == "iq" && to == origin.BareJid ? TargetKind.Self : TargetKind.Bare;
    }

    private bool Fire(StanzaEvent e)
    {
        if (e.Kind == "iq" && e.Type is "get" or "set" && e.Payload is { } payload)
        {
            var shape = $"{payload.Name.NamespaceName}:{payload.Name.LocalName}";
            if (ctx.Hooks.Fire($"iq-{e.Type}/{e.Target.HookName()}/{shape}", e)) return true;
            // RFC 6120 §10.3.3: an iq with no 'to' (or to the own bare JID) is for the account, so the
            // handlers of iqs to any account's bare JID take what the "self" ones left.
            if (e.Target == TargetKind.Self && ctx.Hooks.Fire($"iq-{e.Type}/bare/{shape}", e)) return true;
        }
        return ctx.Hooks.Fire($"{e.Kind}/{e.Target.HookName()}", e);
    }

    private void Unhandled(StanzaEvent e)
    {
        logger.LogDebug("No handler for {Stanza} from session {Session}", e, e.Origin.Id);
        var answer = e.Kind switch
        {
            "iq" => e.Type is "get" or "set",
            "message" => e.Type is "" or "normal" or "chat",
            _ => false, // presence nobody wants is dropped (RFC 6121 §8.5)
        };
        if (answer) ctx.ReplyError(e, StanzaErrors.ServiceUnavailable);
    }

    /// <summary>RFC 6120 §8.2.3: an id, a known type, exactly one child in a get/set, at most one in a result.</summary>
    private static bool IsWellFormedIq(XElement iq)
    {
        if (string.IsNullOrEmpty((string?)iq.Attribute("id"))) return false;
        var children = iq.Elements().Count();
        return (string?)iq.Attribute("type") switch
        {
            "get" or "set" => children == 1,
            "result" => children <= 1,
            "error" => true,
            _ => false,
        };
    }
}
