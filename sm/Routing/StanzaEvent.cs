using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Sm.Sessions;

namespace Xmpp.Sm.Routing;

/// <summary>One stanza from a session on its way through sm's hooks.</summary>
public sealed class StanzaEvent
{
    public StanzaEvent(XElement stanza, SmSession origin, Jid? to, TargetKind target)
    {
        Stanza = stanza;
        Origin = origin;
        To = to;
        Target = target;
        Kind = stanza.Name.LocalName;
        Type = (string?)stanza.Attribute("type") ?? "";
    }

    public XElement Stanza { get; }

    /// <summary>The session that sent it.</summary>
    public SmSession Origin { get; }

    /// <summary>The sender's full JID (the stanza's verified 'from').</summary>
    public Jid From => Origin.FullJid;

    /// <summary>The addressee: the parsed 'to', or the sender's bare JID for a message or iq without one.</summary>
    public Jid? To { get; }

    public TargetKind Target { get; }

    /// <summary>"message", "presence" or "iq".</summary>
    public string Kind { get; }

    /// <summary>The type attribute, "" when absent.</summary>
    public string Type { get; }

    /// <summary>The single child of an iq get/set (its payload), else null.</summary>
    public XElement? Payload => Kind == "iq" ? Stanza.Elements().FirstOrDefault() : null;

    public override string ToString() => $"{Kind}{(Type.Length > 0 ? "-" + Type : "")}/{Target.HookName()}";
}
