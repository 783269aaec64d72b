using System.Xml.Linq;
using Google.Protobuf;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Sessions;

namespace Xmpp.Sm.Routing;

/// <summary>
/// One stanza from a session on its way through sm's hooks. A stanza that came from c2s with its
/// packet hints is parsed only when a handler asks for <see cref="Stanza"/>: a chat message to an
/// online resource crosses sm as the bytes c2s sent, never parsed or serialized again.
/// Handlers never change <see cref="Stanza"/> in place (they copy it, see Routing.Stanza.CopyTo);
/// if one did, the original bytes would be dropped so the change is what gets delivered.
/// </summary>
public sealed class StanzaEvent
{
    private XElement? _stanza;
    private ByteString? _raw;

    public StanzaEvent(XElement stanza, SmSession origin, Jid? to, TargetKind target)
        : this(origin, to, target, stanza.Name.LocalName, (string?)stanza.Attribute("type") ?? "")
    {
        _stanza = stanza;
    }

    /// <summary>A stanza known by its bytes and c2s's hints (kind, type, normalized 'to').</summary>
    public StanzaEvent(ByteString raw, string kind, string type, string toText, SmSession origin, Jid? to, TargetKind target)
        : this(origin, to, target, kind, type)
    {
        _raw = raw;
        RawTo = toText;
    }

    private StanzaEvent(SmSession origin, Jid? to, TargetKind target, string kind, string type)
    {
        Origin = origin;
        To = to;
        Target = target;
        Kind = kind;
        Type = type;
    }

    /// <summary>The stanza as a tree, parsed from the original bytes on first use.</summary>
    public XElement Stanza
    {
        get
        {
            if (_stanza is null)
            {
                _stanza = StanzaCodec.Parse(_raw!.Span);
                _stanza.Changed += (_, _) => _raw = null;
            }
            return _stanza;
        }
    }

    /// <summary>The stanza's bytes as c2s sent them, while they still say what <see cref="Stanza"/> says.</summary>
    public ByteString? Raw => _raw;

    /// <summary>The 'to' attribute of <see cref="Raw"/> ("" when absent).</summary>
    public string RawTo { get; } = "";

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
