namespace Xmpp.Sm.Modules.Archive;

/// <summary>The namespaces of XEP-0313 (MAM) and of what it builds on: XEP-0359, XEP-0059, XEP-0297, XEP-0004, XEP-0334.</summary>
public static class ArchiveNamespaces
{
    public const string Mam = "urn:xmpp:mam:2";
    public const string MamExtended = "urn:xmpp:mam:2#extended";
    public const string StanzaIds = "urn:xmpp:sid:0";
    public const string Rsm = "http://jabber.org/protocol/rsm";
    public const string Forward = "urn:xmpp:forward:0";
    public const string DataForms = "jabber:x:data";
    public const string Hints = "urn:xmpp:hints";
}
