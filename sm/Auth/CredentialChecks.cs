using System.Security.Cryptography;
using System.Text;
using Xmpp.Common.Sasl;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Auth;

/// <summary>
/// The outcome of a check: whether it passed, the ServerSignature for a SCRAM proof that did, and
/// the account's credentials it was checked against (what a re-derivation may replace).
/// </summary>
public sealed record CheckResult(bool Ok, byte[]? ServerSignature = null, IReadOnlyList<ScramCredentialData>? Checked = null)
{
    public static readonly CheckResult Failed = new(false);
}

/// <summary>What a SCRAM exchange announces (salt and count), and the count c2s is to re-derive the keys with (0: none).</summary>
public sealed record ScramStartAnswer(byte[] Salt, int Iterations, int RehashIterations);

/// <summary>
/// sm's side of SASL: the salt and iteration count a SCRAM exchange announces, and the verdict on a
/// SCRAM proof (c2s turns a PLAIN password into one). The keys never leave this class. An unknown account
/// (or one without the mechanism asked for) gets a fake credential derived from the account name
/// under <paramref name="secret"/>: a salt that is the same at every try, the configured iteration
/// count, and the same hashing before the answer (RFC 5802 §9), so neither the answers nor their
/// timing tell whether the account exists.
/// </summary>
public sealed class CredentialChecks(IAccountStore accounts, byte[] secret, int iterations, ReplacedCredentials? replaced = null)
{
    public int Iterations => iterations;

    /// <summary>
    /// The salt and iteration count for server-first-message; null for a mechanism that is not SCRAM.
    /// When c2s holds the password (<paramref name="canRehash"/>, a PLAIN login) and the account's
    /// keys were made with another count than the configured one, the answer asks c2s to derive new
    /// ones at the configured count. An unknown account's fake credential always has the configured
    /// count, so it is never asked: that a known account is asked tells only what its announced
    /// count (i= in any SCRAM server-first-message) already tells anyone who names it, and only
    /// until its next PLAIN login.
    /// </summary>
    public ScramStartAnswer? ScramStart(string user, string mechanism, bool canRehash = false)
    {
        if (ScramAlgorithm.ByMechanism(mechanism) is not { } algorithm) return null;
        var all = accounts.GetCredentials(user);
        var stored = Pick(all, algorithm);
        var credential = stored ?? Fake(user, algorithm);
        var rehash = canRehash && stored is not null && IsStale(all!) ? iterations : 0;
        return new ScramStartAnswer(credential.Salt, credential.Iterations, rehash);
    }

    /// <summary>
    /// Checks a SCRAM ClientProof over the exchange's AuthMessage: against the account's keys, or,
    /// when the exchange announced the salt and count of keys a re-derivation replaced moments ago
    /// (<see cref="ReplacedCredentials"/>), against those. One check either way.
    /// </summary>
    public CheckResult ScramProof(string user, string mechanism, string authMessage, byte[] proof)
    {
        if (ScramAlgorithm.ByMechanism(mechanism) is not { } algorithm) return CheckResult.Failed;
        var all = accounts.GetCredentials(user);
        var stored = Pick(all, algorithm);
        if (stored is not null && !Announced(authMessage, stored) && replaced?.Previous(user, all!) is { } previous
            && Pick(previous, algorithm) is { } old && Announced(authMessage, old))
        {
            all = previous;
            stored = old;
        }
        var signature = ScramVerifier.VerifyProof(stored ?? Fake(user, algorithm), authMessage, proof);
        return signature is not null && stored is not null ? new CheckResult(true, signature, all) : CheckResult.Failed;
    }

    /// <summary>Whether the server-first-message inside <paramref name="authMessage"/> announced <paramref name="credential"/>'s salt and count.</summary>
    private static bool Announced(string authMessage, ScramCredentialData credential)
    {
        // client-first-message-bare (n=, r=; a saslname has no ',') "," server-first-message (r=, s=, i=) "," ...
        string? salt = null, count = null;
        foreach (var part in authMessage.Split(','))
        {
            if (salt is null && part.StartsWith("s=", StringComparison.Ordinal)) salt = part[2..];
            else if (count is null && part.StartsWith("i=", StringComparison.Ordinal)) count = part[2..];
        }
        return salt == Convert.ToBase64String(credential.Salt)
            && count == credential.Iterations.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Whether any of an account's credentials was made with another iteration count than the configured one.</summary>
    public bool IsStale(IReadOnlyList<ScramCredentialData> credentials) => credentials.Any(c => c.Iterations != iterations);

    /// <summary>
    /// XEP-0480: of the SCRAM mechanisms a client offered to upgrade, those whose keys in
    /// <paramref name="credentials"/> (the account's, which a proof just held against) are missing
    /// or at another iteration count than the configured one; unknown names are left out.
    /// </summary>
    public IReadOnlyList<string> NeedingUpgrade(IReadOnlyList<ScramCredentialData> credentials, IEnumerable<string> requested) =>
        requested.Distinct(StringComparer.Ordinal)
            .Where(m => ScramAlgorithm.ByMechanism(m) is { } algorithm && Pick(credentials, algorithm)?.Iterations != iterations)
            .ToList();

    private static ScramCredentialData? Pick(IReadOnlyList<ScramCredentialData>? all, ScramAlgorithm algorithm) =>
        all?.FirstOrDefault(c => c.Mechanism == algorithm.Mechanism);

    /// <summary>The fake credential of an unknown account: salt and keys from HMAC-SHA-256 under sm's secret, so stable per name and mechanism.</summary>
    public ScramCredentialData Fake(string user, ScramAlgorithm algorithm)
    {
        byte[] Derive(string purpose) => HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes($"{purpose}\0{algorithm.Mechanism}\0{user}"));
        return new ScramCredentialData(algorithm.Mechanism, Derive("salt")[..16], iterations,
            Derive("stored-key")[..algorithm.HashSize], Derive("server-key")[..algorithm.HashSize]);
    }
}
