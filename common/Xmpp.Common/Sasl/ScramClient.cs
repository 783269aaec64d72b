using System.Security.Cryptography;
using System.Text;

namespace Xmpp.Common.Sasl;

/// <summary>The client side of SCRAM (RFC 5802), used by xmppctl's tests and the load generator.</summary>
/// <param name="saltedPassword">
/// Where SaltedPassword comes from, given the salt and iteration count; by default derived here
/// (PBKDF2). RFC 5802 §5.1 lets a client keep it for later logins to the same service: the load
/// generator passes its cache.
/// </param>
public sealed class ScramClient(ScramAlgorithm algorithm, string username, string password, Func<byte[], int, byte[]>? saltedPassword = null)
{
    private readonly string _clientNonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));

    /// <summary>Test seam: a fixed client nonce (RFC test vectors).</summary>
    internal ScramClient(ScramAlgorithm algorithm, string username, string password, string clientNonce)
        : this(algorithm, username, password, saltedPassword: null) => _clientNonce = clientNonce;
    private string _clientFirstBare = "";
    private byte[] _serverSignature = [];
    private string _gs2Header = "n,,";
    private byte[] _cbindData = [];

    /// <summary>
    /// Channel binding (RFC 5802 §6) for the next <see cref="ClientFirst"/>: <paramref name="flag"/>
    /// is the gs2-cbind-flag ("n", "y" or "p=tls-server-end-point") and <paramref name="data"/>
    /// the channel binding data the client computed from its TLS connection (for "p=" only).
    /// </summary>
    public ScramClient WithChannelBinding(string flag, byte[]? data = null)
    {
        _gs2Header = flag + ",,";
        _cbindData = data ?? [];
        return this;
    }

    public string ClientFirst()
    {
        var name = username.Replace("=", "=3D").Replace(",", "=2C");
        _clientFirstBare = $"n={name},r={_clientNonce}";
        return _gs2Header + _clientFirstBare;
    }

    /// <summary>Answers server-first-message; throws if the server's nonce does not extend ours.</summary>
    public string ClientFinal(string serverFirst)
    {
        string? nonce = null, salt = null;
        var iterations = 0;
        foreach (var part in serverFirst.Split(','))
        {
            if (part.StartsWith("r=", StringComparison.Ordinal)) nonce = part[2..];
            else if (part.StartsWith("s=", StringComparison.Ordinal)) salt = part[2..];
            else if (part.StartsWith("i=", StringComparison.Ordinal)) iterations = int.Parse(part[2..]);
        }
        if (nonce is null || salt is null || iterations <= 0 || nonce.Length <= _clientNonce.Length || !nonce.StartsWith(_clientNonce, StringComparison.Ordinal))
            throw new InvalidOperationException("bad server-first-message");

        var saltBytes = Convert.FromBase64String(salt);
        var salted = saltedPassword?.Invoke(saltBytes, iterations) ?? algorithm.SaltedPassword(password, saltBytes, iterations);
        var clientKey = algorithm.Hmac(salted, "Client Key");
        var storedKey = algorithm.H(clientKey);
        var withoutProof = $"c={Convert.ToBase64String([.. Encoding.UTF8.GetBytes(_gs2Header), .. _cbindData])},r={nonce}";
        var authMessage = $"{_clientFirstBare},{serverFirst},{withoutProof}";
        var clientSignature = algorithm.Hmac(storedKey, authMessage);
        var proof = ScramAlgorithm.Xor(clientKey, clientSignature);
        _serverSignature = algorithm.Hmac(algorithm.Hmac(salted, "Server Key"), authMessage);
        return $"{withoutProof},p={Convert.ToBase64String(proof)}";
    }

    /// <summary>Checks server-final-message; false for a wrong or malformed signature, or an "e=" error.</summary>
    public bool VerifyServerFinal(string serverFinal)
    {
        if (_serverSignature.Length == 0 || !serverFinal.StartsWith("v=", StringComparison.Ordinal)) return false;
        byte[] signature;
        try { signature = Convert.FromBase64String(serverFinal[2..]); }
        catch (FormatException) { return false; }
        return CryptographicOperations.FixedTimeEquals(signature, _serverSignature);
    }
}
