using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.Sm.Sessions;

/// <summary>
/// One bound resource (Prosody's session): who it is, which c2s connection owns it, and its
/// presence state as learned from the packets it sent.
/// </summary>
public sealed class SmSession
{
    public SmSession(string id, Jid fullJid, string c2sAddress, string c2sSession)
    {
        if (!fullJid.IsFull) throw new ArgumentException("a session is a full JID", nameof(fullJid));
        Id = id;
        FullJid = fullJid;
        FullJidText = fullJid.ToString();
        BareJid = fullJid.Bare;
        C2sAddress = c2sAddress;
        C2sSession = c2sSession;
    }

    /// <summary>sm's id of the session (the sm_session of frames).</summary>
    public string Id { get; }

    public Jid FullJid { get; }
    public Jid BareJid { get; }

    /// <summary>The full JID as c2s writes it in 'from' (and in packet hints).</summary>
    public string FullJidText { get; }

    /// <summary>Router address of the owning c2s (the `from` of its START, or of the RESUME that moved it), e.g. "c2s/c2s-1".</summary>
    public string C2sAddress { get; private set; }

    /// <summary>The connection id on that c2s (the c2s_session of frames).</summary>
    public string C2sSession { get; private set; }

    /// <summary>XEP-0198 state once the client enabled stream management; null otherwise.</summary>
    public StreamManagement.SessionStream? Stream { get; set; }

    /// <summary>A resumption moved the session to another connection (XEP-0198); nothing caches the old one.</summary>
    public void Rebind(string c2sAddress, string c2sSession)
    {
        C2sAddress = c2sAddress;
        C2sSession = c2sSession;
    }

    /// <summary>True after an available presence, until an unavailable one.</summary>
    public bool Available { get; set; }

    /// <summary>Priority of the last available presence (RFC 6121 §4.7.2.3), 0 before any.</summary>
    public int Priority { get; set; }

    /// <summary>The last available presence the session sent (stamped), or null.</summary>
    public XElement? Presence { get; set; }

    /// <summary>The session asked for the roster, so it gets roster pushes (RFC 6121 §2.1.6).</summary>
    public bool Interested { get; set; }

    /// <summary>
    /// Entities this session sent directed available presence to that do not get its presence
    /// broadcasts (RFC 6121 §4.6); they get unavailable when the session goes unavailable or ends.
    /// </summary>
    public HashSet<Jid> DirectedPresence { get; } = [];

    public bool IsOwnedBy(string c2sAddress, string c2sSession) =>
        C2sAddress == c2sAddress && C2sSession == c2sSession;

    public override string ToString() => $"{Id} ({FullJid} on {C2sAddress}#{C2sSession})";
}
