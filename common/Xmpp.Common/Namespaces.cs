namespace Xmpp.Common;

/// <summary>XML namespaces of RFC 6120/6121 and the XEPs we speak.</summary>
public static class Ns
{
    public const string Client = "jabber:client";
    public const string Stream = "http://etherx.jabber.org/streams";
    public const string Streams = "urn:ietf:params:xml:ns:xmpp-streams";
    public const string Tls = "urn:ietf:params:xml:ns:xmpp-tls";
    public const string Sasl = "urn:ietf:params:xml:ns:xmpp-sasl";
    public const string Bind = "urn:ietf:params:xml:ns:xmpp-bind";
    public const string Session = "urn:ietf:params:xml:ns:xmpp-session";
    public const string Stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
    public const string Roster = "jabber:iq:roster";
    public const string Delay = "urn:xmpp:delay";
    public const string DiscoInfo = "http://jabber.org/protocol/disco#info";
    public const string DiscoItems = "http://jabber.org/protocol/disco#items";
    public const string Ping = "urn:xmpp:ping";
}
