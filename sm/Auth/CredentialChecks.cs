using System.Security.Cryptography;
using System.Text;
using Xmpp.Common.Sasl;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Auth;

/// <summary>The outcome of a check: whether it passed, and the ServerSignature for a SCRAM proof that did.</summary>
public sealed record CheckResult(bool Ok, byte[]? ServerSignature = null)
{
    public static readonly CheckResult Failed = new(false);
}

/// <summary>
/// sm's side of SASL: the salt and iteration count a SCRAM exchange announces, and the verdict on a
/// SCRAM proof (c2s turns a PLAIN password into one). The keys never leave this class. An unknown account
/// (or one without the mechanism asked for) gets a fake credential derived from the account name
/// under <paramref name="secret"/>: a salt that is the same at every try, the configured iteration
/// count, and the same hashing before the answer (RFC 5802 §9), so neither the answers nor their
/// timing tell whether the account exists.
/// </summary>
public sealed class CredentialChecks(IAccountStore accounts, byte[] secret, int iterations)
{
    public int Iterations => iterations;

    /// <summary>The salt and iteration count for server-first-message; null for a mechanism that is not SCRAM.</summary>
    public (byte[] Salt, int Iterations)? ScramStart(string user, string mechanism)
    {
        if (ScramAlgorithm.ByMechanism(mechanism) is not { } algorithm) return null;
        var credential = Stored(user, algorithm) ?? Fake(user, algorithm);
        return (credential.Salt, credential.Iterations);
    }

    /// <summary>Checks a SCRAM ClientProof over the exchange's AuthMessage.</summary>
    public CheckResult ScramProof(string user, string mechanism, string authMessage, byte[] proof)
    {
        if (ScramAlgorithm.ByMechanism(mechanism) is not { } algorithm) return CheckResult.Failed;
        var stored = Stored(user, algorithm);
        var signature = ScramVerifier.VerifyProof(stored ?? Fake(user, algorithm), authMessage, proof);
        return signature is not null && stored is not null ? new CheckResult(true, signature) : CheckResult.Failed;
    }

    private ScramCredentialData? Stored(string user, ScramAlgorithm algorithm) =>
        accounts.GetCredentials(user)?.FirstOrDefault(c => c.Mechanism == algorithm.Mechanism);

    /// <summary>The fake credential of an unknown account: salt and keys from HMAC-SHA-256 under sm's secret, so stable per name and mechanism.</summary>
    public ScramCredentialData Fake(string user, ScramAlgorithm algorithm)
    {
        byte[] Derive(string purpose) => HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes($"{purpose}\0{algorithm.Mechanism}\0{user}"));
        return new ScramCredentialData(algorithm.Mechanism, Derive("salt")[..16], iterations,
            Derive("stored-key")[..algorithm.HashSize], Derive("server-key")[..algorithm.HashSize]);
    }
}
