using Xmpp.Common.Sasl;
using Xmpp.Protos;

namespace Xmpp.Sm.Sessions;

/// <summary>SCRAM credentials between the wire form and what storage keeps, with the checks a CREATE/PASSWD must pass.</summary>
public static class CredentialsMapping
{
    public const int MaxIterations = 10_000_000;

    /// <summary>The credentials of a request, or null when they are missing or malformed.</summary>
    public static IReadOnlyList<ScramCredentialData>? FromWire(Credentials? credentials)
    {
        if (credentials is null || credentials.Scram.Count == 0) return null;
        var result = new List<ScramCredentialData>();
        foreach (var c in credentials.Scram)
        {
            var algorithm = ScramAlgorithm.ByMechanism(c.Mechanism);
            if (algorithm is null || result.Any(r => r.Mechanism == c.Mechanism)) return null;
            if (c.Salt.Length == 0 || c.Iterations < 1 || c.Iterations > MaxIterations) return null;
            if (c.StoredKey.Length != algorithm.HashSize || c.ServerKey.Length != algorithm.HashSize) return null;
            result.Add(new ScramCredentialData(c.Mechanism, c.Salt.ToByteArray(), c.Iterations, c.StoredKey.ToByteArray(), c.ServerKey.ToByteArray()));
        }
        return result;
    }

    public static Credentials ToWire(IEnumerable<ScramCredentialData> credentials) => WireCredentials.ToWire(credentials);
}
