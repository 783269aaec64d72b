using System.Text;

namespace Xmpp.Common.Sasl;

/// <summary>SASL PLAIN (RFC 4616): parsing the message. The password is then proven to sm as a SCRAM proof (c2s's SaslNegotiator), never checked against keys here.</summary>
public static class PlainVerifier
{
    public sealed record PlainMessage(string AuthzId, string AuthcId, string Password);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The message's three parts, or null when it is not one (RFC 4616 §2: UTF-8, two NULs, authcid and passwd not empty).</summary>
    public static PlainMessage? Parse(byte[] message)
    {
        string text;
        // Invalid UTF-8 is refused, not replaced with U+FFFD: otherwise any invalid byte would match a password containing U+FFFD (found by SaslFuzzTests).
        try { text = StrictUtf8.GetString(message); }
        catch (DecoderFallbackException) { return null; }
        var parts = text.Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0 || parts[2].Length == 0) return null;
        return new PlainMessage(parts[0], parts[1], parts[2]);
    }
}
