using System.Security.Cryptography;

namespace Xmpp.Common.Sasl;

/// <summary>
/// The check of a SCRAM ClientProof against an account's keys (RFC 5802 §3; a PLAIN password is
/// <see cref="PlainVerifier"/>'s). Only sm, which holds the keys, runs it. It does the same hashing
/// whatever the outcome and compares in constant time.
/// </summary>
public static class ScramVerifier
{
    /// <summary>The ServerSignature when <paramref name="proof"/> is right for <paramref name="credential"/>; null otherwise.</summary>
    public static byte[]? VerifyProof(ScramCredentialData credential, string authMessage, byte[] proof)
    {
        var algorithm = ScramAlgorithm.ByMechanism(credential.Mechanism);
        if (algorithm is null || proof.Length != algorithm.HashSize || credential.StoredKey.Length != algorithm.HashSize) return null;
        var clientSignature = algorithm.Hmac(credential.StoredKey, authMessage);
        var clientKey = ScramAlgorithm.Xor(proof, clientSignature);
        var serverSignature = algorithm.Hmac(credential.ServerKey, authMessage); // computed either way: the same work for every answer
        return CryptographicOperations.FixedTimeEquals(algorithm.H(clientKey), credential.StoredKey) ? serverSignature : null;
    }

}
