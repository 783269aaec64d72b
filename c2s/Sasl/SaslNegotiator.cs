using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Sasl;

namespace Xmpp.C2s.Sasl;

/// <summary>
/// The server side of SASL (RFC 6120 §6) for one stream: SCRAM-SHA-256, SCRAM-SHA-1, and PLAIN
/// when the stream is encrypted. Pure protocol: elements in, outcomes out; credentials come
/// from an <see cref="ICredentialSource"/>. Unknown users go through SCRAM with a decoy
/// credential so that the answer does not reveal whether an account exists.
/// </summary>
public sealed class SaslNegotiator(string domain, bool secure, ICredentialSource credentials, byte[] decoySecret)
{
    public const string Plain = "PLAIN";
    private ScramServer? _scram;
    private bool _scramUserExists;

    public static IReadOnlyList<string> Mechanisms(bool secure) =>
        secure ? ["SCRAM-SHA-256", "SCRAM-SHA-1", Plain] : ["SCRAM-SHA-256", "SCRAM-SHA-1"];

    public bool InProgress => _scram is not null;

    public async Task<SaslOutcome> HandleAsync(XElement element, CancellationToken ct)
    {
        if (element.Name.NamespaceName != Ns.Sasl) return Fail("malformed-request");
        switch (element.Name.LocalName)
        {
            case "auth":
                if (_scram is not null) return Fail("malformed-request");
                return await AuthAsync(element, ct);
            case "response":
                if (_scram is null) return Fail("malformed-request");
                return Response(element);
            case "abort":
                _scram = null;
                return new SaslOutcome.Failure("aborted", CountsAsAttempt: false);
            default:
                return Fail("malformed-request");
        }
    }

    private async Task<SaslOutcome> AuthAsync(XElement auth, CancellationToken ct)
    {
        var mechanism = (string?)auth.Attribute("mechanism") ?? "";
        if (!Mechanisms(secure).Contains(mechanism))
            return mechanism == Plain ? Fail("encryption-required") : Fail("invalid-mechanism");
        if (!TryDecode(auth.Value, out var initial)) return Fail("incorrect-encoding");

        if (mechanism == Plain) return await PlainAsync(initial, ct);

        var algorithm = ScramAlgorithm.ByMechanism(mechanism)!;
        var scram = new ScramServer(algorithm);
        if (initial.Length == 0 || !scram.ReadClientFirst(Encoding.UTF8.GetString(initial)))
            return Fail("malformed-request");

        var lookup = ToBareJid(scram.Username) is { } bare ? await credentials.LookupAsync(bare, ct) : CredentialLookup.NotFound;
        if (lookup.Status == LookupStatus.Unavailable) return Fail("temporary-auth-failure");
        var stored = lookup.Credentials.FirstOrDefault(c => c.Mechanism == mechanism);
        _scramUserExists = stored is not null;
        stored ??= ScramServer.Decoy(algorithm, scram.Username, decoySecret);
        _scram = scram;
        return new SaslOutcome.Challenge(Convert.ToBase64String(Encoding.UTF8.GetBytes(scram.ServerFirst(stored))));
    }

    private SaslOutcome Response(XElement response)
    {
        var scram = _scram!;
        _scram = null;
        if (!TryDecode(response.Value, out var data)) return Fail("incorrect-encoding");
        var serverFinal = scram.ReadClientFinal(Encoding.UTF8.GetString(data), _scramUserExists);
        if (serverFinal is null) return new SaslOutcome.Failure("not-authorized", CountsAsAttempt: true);
        return new SaslOutcome.Success(Convert.ToBase64String(Encoding.UTF8.GetBytes(serverFinal)), Jid.Parse(scram.Username + "@" + domain).Local!);
    }

    private async Task<SaslOutcome> PlainAsync(byte[] initial, CancellationToken ct)
    {
        var message = PlainVerifier.Parse(initial);
        if (message is null) return Fail("malformed-request");
        var bare = ToBareJid(message.AuthcId);
        if (bare is null) return new SaslOutcome.Failure("not-authorized", CountsAsAttempt: true);
        if (message.AuthzId.Length > 0 && message.AuthzId != bare && message.AuthzId != message.AuthcId)
            return Fail("invalid-authzid");

        var lookup = await credentials.LookupAsync(bare, ct);
        if (lookup.Status == LookupStatus.Unavailable) return Fail("temporary-auth-failure");
        var stored = lookup.Credentials.FirstOrDefault(c => c.Mechanism == ScramAlgorithm.Sha256.Mechanism)
                     ?? lookup.Credentials.FirstOrDefault();
        if (stored is null || !PlainVerifier.Verify(message.Password, stored))
            return new SaslOutcome.Failure("not-authorized", CountsAsAttempt: true);
        return new SaslOutcome.Success(null, Jid.Parse(bare).Local!);
    }

    private string? ToBareJid(string username) =>
        username.Contains('@') || !Jid.TryParse(username + "@" + domain, out var jid) || jid.IsFull ? null : jid.ToString();

    private static SaslOutcome Fail(string condition) => new SaslOutcome.Failure(condition, CountsAsAttempt: false);

    private static bool TryDecode(string text, out byte[] data)
    {
        text = text.Trim();
        if (text == "=") { data = []; return true; }
        data = new byte[text.Length];
        if (Convert.TryFromBase64String(text, data, out var written))
        {
            data = data[..written];
            return true;
        }
        data = [];
        return false;
    }

    /// <summary>A per-process secret keying the decoy salts, so they are stable per username but not guessable.</summary>
    public static byte[] NewDecoySecret() => RandomNumberGenerator.GetBytes(32);
}
