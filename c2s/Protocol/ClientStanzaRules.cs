using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Stanzas;

namespace Xmpp.C2s.Protocol;

/// <summary>
/// What c2s checks on a stanza from a bound client before it goes to sm (RFC 6120 §8.1):
/// a known stanza kind, a 'from' that is the client's own address (then stamped with the
/// full JID), a well-formed 'to', and a well-formed iq.
/// </summary>
public static class ClientStanzaRules
{
    public abstract record Verdict
    {
        /// <summary>Forward the (stamped) stanza to sm.</summary>
        public sealed record Forward(XElement Stanza, string Kind, string Type, string To) : Verdict;
        /// <summary>Answer the client with this stanza error and forward nothing.</summary>
        public sealed record Reject(XElement Error) : Verdict;
        /// <summary>Close the stream with this stream error.</summary>
        public sealed record StreamError(string Condition, string Text) : Verdict;
    }

    private static readonly HashSet<string> IqTypes = ["get", "set", "result", "error"];
    private static readonly HashSet<string> MessageTypes = ["chat", "error", "groupchat", "headline", "normal"];
    private static readonly HashSet<string> PresenceTypes = ["error", "probe", "subscribe", "subscribed", "unavailable", "unsubscribe", "unsubscribed"];

    public static Verdict Check(XElement stanza, Jid fullJid)
    {
        var name = stanza.Name;
        if (name.NamespaceName != Ns.Client || name.LocalName is not ("message" or "presence" or "iq"))
            return new Verdict.StreamError(Common.Xml.StreamErrors.UnsupportedStanzaType, $"<{name.LocalName}/> is not a stanza");

        var from = (string?)stanza.Attribute("from");
        if (from is not null)
        {
            if (!Jid.TryParse(from, out var claimed) || (claimed != fullJid && claimed != fullJid.Bare))
                return new Verdict.StreamError(Common.Xml.StreamErrors.InvalidFrom, "the 'from' address is not yours");
        }
        stanza.SetAttributeValue("from", fullJid.ToString());

        var to = (string?)stanza.Attribute("to");
        if (to is not null)
        {
            if (!Jid.TryParse(to, out var toJid))
                return new Verdict.Reject(StanzaErrors.Reply(stanza, StanzaErrors.JidMalformed));
            stanza.SetAttributeValue("to", toJid.ToString());
            to = toJid.ToString();
        }

        var type = (string?)stanza.Attribute("type") ?? "";
        switch (name.LocalName)
        {
            case "iq":
                if (!IqTypes.Contains(type) || stanza.Attribute("id") is null)
                    return new Verdict.Reject(StanzaErrors.Reply(stanza, StanzaErrors.BadRequest));
                if (type is "get" or "set" && stanza.Elements().Count() != 1)
                    return new Verdict.Reject(StanzaErrors.Reply(stanza, StanzaErrors.BadRequest));
                break;
            case "message":
                if (type.Length > 0 && !MessageTypes.Contains(type))
                    return new Verdict.Reject(StanzaErrors.Reply(stanza, StanzaErrors.BadRequest));
                break;
            case "presence":
                if (type.Length > 0 && !PresenceTypes.Contains(type))
                    return new Verdict.Reject(StanzaErrors.Reply(stanza, StanzaErrors.BadRequest));
                break;
        }
        return new Verdict.Forward(stanza, name.LocalName, type, to ?? "");
    }
}
