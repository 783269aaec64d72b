using System.Security.Cryptography;
using System.Text;

namespace Xmpp.Common.Sasl;

/// <summary>
/// The message exchange of SCRAM's server side (RFC 5802 §5), with channel binding (§6) when the
/// connection supports it (<see cref="ScramChannelBinding"/>), as c2s runs it with a client. Pure, and it never holds a key: the salt and iteration count come
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
    private byte[] _cbindData = [];

    public ScramAlgorithm Algorithm { get; } = algorithm;

    /// <summary>The username named in client-first-message (saslname decoded), once parsed.</summary>
    public string Username { get; private set; } = "";

    /// <summary>
    /// Parses client-first-message of a mechanism without -PLUS on a connection that offers no
    /// channel binding. Returns false (malformed-request) if it is not valid SCRAM.
    /// </summary>
    public bool ReadClientFirst(string message) => ReadClientFirst(message, plus: false, ScramChannelBinding.None) == ScramFirstResult.Ok;

    /// <summary>
    /// Parses client-first-message and checks its gs2 channel binding flag (RFC 5802 §6) against
    /// the mechanism (<paramref name="plus"/>: a -PLUS one) and what this connection offered:
    /// 'p=type' only with -PLUS and a supported type, 'n' only without -PLUS, 'y' only when the
    /// server offered no -PLUS mechanism (otherwise it is a downgrade).
    /// </summary>
    public ScramFirstResult ReadClientFirst(string message, bool plus, ScramChannelBinding binding)
    {
        // gs2-header: gs2-cbind-flag "," [authzid] ","
        var first = message.IndexOf(',');
        if (first < 0) return ScramFirstResult.Malformed;
        var flag = message[..first];
        var second = message.IndexOf(',', first + 1);
        if (second < 0) return ScramFirstResult.Malformed;
        var authzid = message[(first + 1)..second];
        if (authzid.Length > 0 && (!authzid.StartsWith("a=", StringComparison.Ordinal) || DecodeSaslName(authzid[2..]) is null))
            return ScramFirstResult.Malformed;
        byte[] cbindData = [];
        if (flag.StartsWith("p=", StringComparison.Ordinal))
        {
            var type = flag[2..];
            if (type.Length == 0 || !IsChannelBindingName(type)) return ScramFirstResult.Malformed;
            if (!plus) return ScramFirstResult.ChannelBindingMismatch;
            if (binding.DataOf(type) is not { } data) return ScramFirstResult.UnsupportedChannelBinding;
            cbindData = data;
        }
        else if (flag == "n")
        {
            if (plus) return ScramFirstResult.ChannelBindingMismatch;
        }
        else if (flag == "y")
        {
            if (plus) return ScramFirstResult.ChannelBindingMismatch;
            if (binding.Offered) return ScramFirstResult.Downgrade;
        }
        else
        {
            return ScramFirstResult.Malformed;
        }
        _gs2Header = message[..(second + 1)];
        _clientFirstBare = message[(second + 1)..];

        string? user = null, nonce = null;
        foreach (var part in _clientFirstBare.Split(','))
        {
            if (part.StartsWith("n=", StringComparison.Ordinal)) user = part[2..];
            else if (part.StartsWith("r=", StringComparison.Ordinal)) nonce = part[2..];
            else if (part.StartsWith("m=", StringComparison.Ordinal)) return ScramFirstResult.Malformed; // mandatory extension: unsupported
        }
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(nonce)) return ScramFirstResult.Malformed;
        var decoded = DecodeSaslName(user);
        if (decoded is null) return ScramFirstResult.Malformed;
        Username = decoded;
        _cbindData = cbindData;
        _nonce = nonce + (_fixedServerNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)));
        return ScramFirstResult.Ok;
    }

    /// <summary>RFC 5802's cb-name: 1*(ALPHA / DIGIT / "." / "-").</summary>
    private static bool IsChannelBindingName(string name)
    {
        foreach (var c in name)
            if (!char.IsAsciiLetterOrDigit(c) && c != '.' && c != '-') return false;
        return true;
    }

    /// <summary>
    /// c= of client-final-message must be exactly base64(gs2-header + cbind-data), the data being
    /// what this server computed from its own side of the TLS connection (none for 'n' and 'y').
    /// </summary>
    private string ExpectedChannelBinding()
    {
        var header = Encoding.UTF8.GetBytes(_gs2Header);
        return Convert.ToBase64String([.. header, .. _cbindData]);
    }

    /// <summary>server-first-message with the salt and iteration count sm answered (a fake salt for an unknown account).</summary>
    public string ServerFirst(byte[] salt, int iterations)
    {
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(salt)},i={iterations}";
        return _serverFirst;
    }

    /// <summary>
    /// Reads client-final-message: checks the channel binding (c=) and the combined nonce, and
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
        if (channel != ExpectedChannelBinding()) return null; // another gs2 header, or another TLS connection's binding (a MITM)
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
