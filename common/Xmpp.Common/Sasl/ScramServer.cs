using System.Security.Cryptography;
using System.Text;

namespace Xmpp.Common.Sasl;

/// <summary>
/// The message exchange of SCRAM's server side (RFC 5802 §5), without channel binding, as c2s
/// runs it with a client. Pure, and it never holds a key: the salt and iteration count come
/// from sm, and so does the verdict on the proof (<see cref="ScramVerifier"/> runs in sm).
/// </summary>
public sealed class ScramServer(ScramAlgorithm algorithm)
{
    private static readonly System.Buffers.SearchValues<char> Base64Alphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");

    private readonly string? _fixedServerNonce;

    /// <summary>Test seam: a fixed server nonce part (RFC test vectors).</summary>
    internal ScramServer(ScramAlgorithm algorithm, string serverNonce) : this(algorithm) => _fixedServerNonce = serverNonce;

    private string _clientFirstBare = "";
    private string _gs2Header = "";
    private string _nonce = "";
    private string _serverFirst = "";

    public ScramAlgorithm Algorithm { get; } = algorithm;

    /// <summary>The username named in client-first-message (saslname decoded), once parsed.</summary>
    public string Username { get; private set; } = "";

    /// <summary>Parses client-first-message. Returns false (malformed-request) if it is not valid SCRAM.</summary>
    public bool ReadClientFirst(string message)
    {
        // gs2-header: gs2-cbind-flag "," [authzid] ","
        var first = message.IndexOf(',');
        if (first < 0) return false;
        var flag = message[..first];
        if (flag != "n" && flag != "y") return false; // "p=" would need channel binding, which we do not offer
        var second = message.IndexOf(',', first + 1);
        if (second < 0) return false;
        _gs2Header = message[..(second + 1)];
        _clientFirstBare = message[(second + 1)..];

        string? user = null, nonce = null;
        foreach (var part in _clientFirstBare.Split(','))
        {
            if (part.StartsWith("n=", StringComparison.Ordinal)) user = part[2..];
            else if (part.StartsWith("r=", StringComparison.Ordinal)) nonce = part[2..];
            else if (part.StartsWith("m=", StringComparison.Ordinal)) return false; // mandatory extension: unsupported
        }
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(nonce)) return false;
        var decoded = DecodeSaslName(user);
        if (decoded is null) return false;
        Username = decoded;
        _nonce = nonce + (_fixedServerNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)));
        return true;
    }

    /// <summary>server-first-message with the salt and iteration count sm answered (a fake salt for an unknown account).</summary>
    public string ServerFirst(byte[] salt, int iterations)
    {
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(salt)},i={iterations}";
        return _serverFirst;
    }

    /// <summary>
    /// Reads client-final-message: checks the channel binding data and the combined nonce, and
    /// returns RFC 5802's AuthMessage with the client's proof for sm to verify; null when the
    /// message is malformed or does not belong to this exchange.
    /// </summary>
    public ScramProof? ReadClientFinal(string message)
    {
        if (_serverFirst.Length == 0) return null;
        string? channel = null, nonce = null, proof = null;
        var withoutProofEnd = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (withoutProofEnd < 0) return null;
        foreach (var part in message.Split(','))
        {
            if (part.StartsWith("c=", StringComparison.Ordinal)) channel = part[2..];
            else if (part.StartsWith("r=", StringComparison.Ordinal)) nonce = part[2..];
            else if (part.StartsWith("p=", StringComparison.Ordinal)) proof = part[2..];
        }
        if (channel is null || nonce is null || proof is null) return null;
        if (channel != Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header))) return null;
        if (nonce != _nonce) return null;

        byte[] clientProof;
        // RFC 5802's base64 has no whitespace; .NET's decoder would skip it (found by SaslFuzzTests).
        if (proof.AsSpan().ContainsAnyExcept(Base64Alphabet)) return null;
        try { clientProof = Convert.FromBase64String(proof); }
        catch (FormatException) { return null; }
        if (clientProof.Length != Algorithm.HashSize) return null;
        return new ScramProof($"{_clientFirstBare},{_serverFirst},{message[..withoutProofEnd]}", clientProof);
    }

    /// <summary>server-final-message for the ServerSignature sm returned.</summary>
    public static string ServerFinal(byte[] serverSignature) => "v=" + Convert.ToBase64String(serverSignature);

    internal static string? DecodeSaslName(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != '=') { sb.Append(s[i]); continue; }
            if (i + 2 >= s.Length) return null;
            var code = s.Substring(i + 1, 2);
            if (code == "2C") sb.Append(',');
            else if (code == "3D") sb.Append('=');
            else return null;
            i += 2;
        }
        return sb.ToString();
    }
}
