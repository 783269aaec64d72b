using Xmpp.Common.Sasl;

namespace Xmpp.Sm.Storage;

/// <summary>Whether two sets of an account's SCRAM credentials are the same (mechanisms, salts, counts, keys), whatever their order.</summary>
public static class ScramCredentialsEquality
{
    public static bool Same(IReadOnlyList<ScramCredentialData> a, IReadOnlyList<ScramCredentialData> b) =>
        a.Count == b.Count && a.All(x => b.Any(y => y.Mechanism == x.Mechanism && y.Iterations == x.Iterations
            && y.Salt.AsSpan().SequenceEqual(x.Salt) && y.StoredKey.AsSpan().SequenceEqual(x.StoredKey) && y.ServerKey.AsSpan().SequenceEqual(x.ServerKey)));
}
