namespace Xmpp.Muc.Protocol;

/// <summary>The namespaces and feature names of XEP-0045 and the XEPs the rooms speak beside it.</summary>
public static class MucNs
{
    public const string Muc = "http://jabber.org/protocol/muc";
    public const string User = Muc + "#user";
    public const string Admin = Muc + "#admin";
    public const string Owner = Muc + "#owner";
    public const string RoomConfig = Muc + "#roomconfig";
    public const string RoomInfo = Muc + "#roominfo";
    public const string Request = Muc + "#request";
    /// <summary>XEP-0410: the service answers an occupant's ping to its own occupant JID itself.</summary>
    public const string SelfPingOptimization = Muc + "#self-ping-optimization";
    /// <summary>XEP-0045 §7.4 / XEP-0359: the service keeps the stanza-ids it assigns.</summary>
    public const string StableId = Muc + "#stable_id";
    public const string DataForms = "jabber:x:data";
    public const string Mam = "urn:xmpp:mam:2";
    public const string Rsm = "http://jabber.org/protocol/rsm";
    public const string Forward = "urn:xmpp:forward:0";
    public const string Delay = "urn:xmpp:delay";
    public const string StanzaId = "urn:xmpp:sid:0";
    public const string OccupantId = "urn:xmpp:occupant-id:0";
    public const string Ping = "urn:xmpp:ping";
    /// <summary>XEP-0249 direct invitations; mediated invitations carry it too, as ejabberd's do.</summary>
    public const string Conference = "jabber:x:conference";
    public const string DiscoInfo = "http://jabber.org/protocol/disco#info";
    public const string DiscoItems = "http://jabber.org/protocol/disco#items";
}
