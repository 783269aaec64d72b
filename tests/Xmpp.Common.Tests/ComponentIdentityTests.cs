using Xmpp.Common.Pki;
using Xunit;

namespace Xmpp.Common.Tests;

/// <summary>Certificates of the deployment CA name a component's role and address, and are trusted only by that CA.</summary>
public sealed class ComponentIdentityTests
{
    [Fact]
    public void A_client_certificate_names_its_role_and_address_and_chains_to_its_ca_only()
    {
        using var ca = DeploymentCa.Create();
        using var other = DeploymentCa.Create();
        using var c2s = ca.IssueClient(PkiLayout.C2s("c2s-1"));

        Assert.Equal(new ComponentIdentity(ComponentRole.C2s, "c2s-1"), ComponentIdentity.FromCertificate(c2s));
        Assert.Null(new CaTrust(ca.Certificate).Check(c2s, DeploymentCa.ClientAuthOid));
        Assert.NotNull(new CaTrust(other.Certificate).Check(c2s, DeploymentCa.ClientAuthOid));
        // a client certificate is no server certificate
        Assert.NotNull(new CaTrust(ca.Certificate).Check(c2s, DeploymentCa.ServerAuthOid));
        Assert.Equal("no certificate", new CaTrust(ca.Certificate).Check(null, DeploymentCa.ClientAuthOid));
    }

    [Fact]
    public void The_router_certificate_is_a_server_certificate_without_a_component_identity()
    {
        using var ca = DeploymentCa.Create();
        using var router = ca.IssueServer(["127.0.0.1", "router"]);
        Assert.Null(new CaTrust(ca.Certificate).Check(router, DeploymentCa.ServerAuthOid));
        Assert.NotNull(new CaTrust(ca.Certificate).Check(router, DeploymentCa.ClientAuthOid));
        Assert.Null(ComponentIdentity.FromCertificate(router));
    }

    [Fact]
    public void A_certificate_whose_common_name_disagrees_with_its_role_names_nobody()
    {
        using var ca = DeploymentCa.Create();
        var subject = new System.Security.Cryptography.X509Certificates.X500DistinguishedNameBuilder();
        subject.AddOrganizationalUnitName("admin");
        subject.AddCommonName("c2s/c2s-1");
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(subject.Build(), key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var mixed = request.Create(ca.Certificate, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3]);
        Assert.Null(ComponentIdentity.FromCertificate(mixed));
    }
}
