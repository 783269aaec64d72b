using System.Security.Cryptography;
using System.Text;

namespace Xmpp.Common.Sasl;

/// <summary>
/// The computations of the HT-SHA-256-* SASL mechanisms (draft-schmaus-kitten-sasl-ht-08 §3, as
/// XEP-0484 uses them). The initiator's one message is
/// <c>authcid NUL HMAC-SHA-256(token, "Initiator" || cb-data)</c>; the responder proves it holds the
/// token too with <c>HMAC-SHA-256(token, "Responder" || cb-data)</c> (SASL2's additional-data).
/// The HMAC key is the token exactly as the server issued it (its UTF-8 bytes); cb-data is empty
/// for -NONE. HMACs are compared in fixed time (<see cref="Matches"/>).
/// </summary>
public static class HtToken
{
    /// <summary>Length of an HMAC-SHA-256.</summary>
    public const int HashSize = 32;

    private static readonly byte[] InitiatorLabel = "Initiator"u8.ToArray();
    private static readonly byte[] ResponderLabel = "Responder"u8.ToArray();

    /// <summary>HMAC(token, "Initiator" || cb-data): what the client sends after authcid NUL.</summary>
    public static byte[] Initiator(ReadOnlySpan<byte> token, ReadOnlySpan<byte> channelBinding) => Hmac(token, InitiatorLabel, channelBinding);

    /// <summary>HMAC(token, "Responder" || cb-data): the server's answer, in SASL2's additional-data.</summary>
    public static byte[] Responder(ReadOnlySpan<byte> token, ReadOnlySpan<byte> channelBinding) => Hmac(token, ResponderLabel, channelBinding);

    /// <summary>The HMAC key of a token as issued (the text of the token attribute).</summary>
    public static byte[] Key(string token) => Encoding.UTF8.GetBytes(token);

    /// <summary>The client's initial response: authcid NUL HMAC(token, "Initiator" || cb-data).</summary>
    public static byte[] InitialResponse(string authcid, string token, ReadOnlySpan<byte> channelBinding)
    {
        var name = Encoding.UTF8.GetBytes(authcid);
        var hash = Initiator(Key(token), channelBinding);
        return [.. name, 0, .. hash];
    }

    /// <summary>
    /// Splits an initial response into authcid and the initiator's HMAC. False when there is no
    /// NUL, the authcid is empty or not UTF-8, or the HMAC is not 32 bytes.
    /// </summary>
    public static bool TryParseInitialResponse(ReadOnlySpan<byte> message, out string authcid, out byte[] hash)
    {
        authcid = "";
        hash = [];
        var nul = message.IndexOf((byte)0);
        if (nul <= 0 || message.Length - nul - 1 != HashSize) return false;
        try
        {
            authcid = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(message[..nul]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        hash = message[(nul + 1)..].ToArray();
        return true;
    }

    /// <summary>Fixed-time comparison of two HMACs (a length mismatch is simply false).</summary>
    public static bool Matches(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual) =>
        CryptographicOperations.FixedTimeEquals(expected, actual);

    private static byte[] Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> label, ReadOnlySpan<byte> channelBinding)
    {
        var data = new byte[label.Length + channelBinding.Length];
        label.CopyTo(data);
        channelBinding.CopyTo(data.AsSpan(label.Length));
        return HMACSHA256.HashData(key, data);
    }
}
