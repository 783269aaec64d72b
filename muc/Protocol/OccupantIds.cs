using System.Security.Cryptography;
using System.Text;
using Xmpp.Common;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// XEP-0421 occupant ids: HMAC-SHA-256 of the occupant's real bare JID keyed with the room's own
/// random secret, base64. Stable for a user across joins and nick changes within one room, unrelated
/// between rooms, and revealing nothing of the JID to someone without the secret.
/// </summary>
public static class OccupantIds
{
    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(32);

    public static string For(byte[] roomSecret, Jid realJid) =>
        Convert.ToBase64String(HMACSHA256.HashData(roomSecret, Encoding.UTF8.GetBytes(realJid.Bare.ToString())));
}
