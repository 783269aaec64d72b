using System.Xml.Linq;

namespace Xmpp.Muc.Protocol;

/// <summary>A groupchat message as the room broadcast it (no 'to'), with when and its archive id (null when not archived).</summary>
public sealed record HistoryEntry(XElement Message, DateTimeOffset Stamp, string? StanzaId, int Bytes);
