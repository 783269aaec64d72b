using System.Security.Cryptography.X509Certificates;

namespace Xmpp.Common.Pki;

/// <summary>
/// Decides whether a peer's certificate was issued by the deployment CA, for the expected use
/// (server or client authentication). The chain is built with the CA as the only trust root
/// (<see cref="X509ChainTrustMode.CustomRootTrust"/>), never the system store; no revocation
/// lists are consulted (a deployment CA publishes none: a compromised component's certificate is
/// replaced by re-creating the PKI).
/// </summary>
public sealed class CaTrust(X509Certificate2 ca)
{
    public X509Certificate2 Ca { get; } = ca;

    /// <summary>Null when <paramref name="certificate"/> chains to the CA and may be used as <paramref name="usageOid"/>; otherwise why not.</summary>
    public string? Check(X509Certificate? certificate, string usageOid)
    {
        if (certificate is null) return "no certificate";
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(usageOid));
        var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
        try
        {
            if (!chain.Build(leaf))
            {
                var statuses = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
                return $"certificate not issued by the deployment CA ({string.Join(", ", statuses)})";
            }
            var root = chain.ChainElements[^1].Certificate;
            if (!root.RawDataMemory.Span.SequenceEqual(Ca.RawDataMemory.Span))
                return "certificate chains to another root";
            return null;
        }
        finally
        {
            foreach (var element in chain.ChainElements) element.Certificate.Dispose();
            if (!ReferenceEquals(leaf, certificate)) leaf.Dispose();
        }
    }
}
