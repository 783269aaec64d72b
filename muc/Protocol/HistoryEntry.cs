using System.Xml.Linq;

namespace Xmpp.Muc.Protocol;

/// <summary>A groupchat message as the room broadcast it (no 'to'), when, and its size (for maxchars).</summary>
public sealed record HistoryEntry(XElement Message, DateTimeOffset Stamp, int Bytes);
