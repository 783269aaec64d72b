using Grpc.Net.Client;
using Xmpp.Common.Link;
using Xmpp.Common.Pki;

namespace Xmpp.Integration.Tests.Harness;

/// <summary>
/// A cluster's deployment CA and link certificates (made with the code behind `xmppctl pki init`)
/// in its temporary data directory: the router's server certificate, c2s-1..N, sm/localhost and
/// the admin (xmppctl). Tests get more identities issued on demand (a test component bound as c2s/wire-test).
/// </summary>
public sealed class ClusterPki
{
    private readonly Lock _lock = new();

    public PkiLayout Layout { get; }
    public string Directory => Layout.Directory;

    public ClusterPki(string directory, string domain, int c2sCount)
    {
        Layout = new PkiLayout(directory);
        PkiInitializer.Init(directory, new PkiRequest
        {
            Domains = [domain],
            C2sInstances = Enumerable.Range(1, c2sCount).Select(i => $"c2s-{i}").ToArray(),
        });
    }

    /// <summary>The identity a test component bound at <paramref name="address"/> needs: c2s/x, sm/x, or the admin for ctl/*.</summary>
    public static ComponentIdentity IdentityFor(string address)
    {
        var slash = address.IndexOf('/');
        var (kind, name) = (address[..slash], address[(slash + 1)..]);
        return kind switch
        {
            "c2s" => PkiLayout.C2s(name),
            "sm" => PkiLayout.Sm(name),
            "ctl" => PkiLayout.Admin(),
            "component" => PkiLayout.Component(name),
            _ => throw new ArgumentException($"no role binds {address}", nameof(address)),
        };
    }

    /// <summary>Issues the identity's certificate unless it exists; returns its path.</summary>
    public string CertificateFor(ComponentIdentity identity)
    {
        lock (_lock)
        {
            var request = identity.Role switch
            {
                ComponentRole.C2s => new PkiRequest { Domains = [], Admins = [], C2sInstances = [identity.Name] },
                ComponentRole.Sm => new PkiRequest { Domains = [identity.Name], Admins = [], C2sInstances = [] },
                ComponentRole.Component => new PkiRequest { Domains = [], Admins = [], C2sInstances = [], Components = [identity.Name] },
                _ => new PkiRequest { Domains = [], Admins = [identity.Name], C2sInstances = [] },
            };
            PkiInitializer.Init(Directory, request);
        }
        return Layout.CertificateOf(identity);
    }

    /// <summary>Router link settings for <paramref name="identity"/> (its certificate issued if needed).</summary>
    public RouterLinkOptions LinkOptions(string routerAddress, ComponentIdentity identity) => new()
    {
        Address = routerAddress,
        CaCertificate = Layout.CaCertificate,
        Certificate = CertificateFor(identity),
    };

    /// <summary>A gRPC channel to the router presenting <paramref name="identity"/>'s certificate.</summary>
    public GrpcChannel Channel(string routerAddress, ComponentIdentity identity)
    {
        var tls = RouterLinkTls.FromOptions(LinkOptions(routerAddress, identity));
        return GrpcChannel.ForAddress(routerAddress, new GrpcChannelOptions { HttpHandler = tls.Handler(), DisposeHttpClient = true });
    }

    /// <summary>The command-line settings a server process of this identity gets.</summary>
    public string[] ComponentArgs(ComponentIdentity identity) =>
        [$"--Router:CaCertificate={Layout.CaCertificate}", $"--Router:Certificate={CertificateFor(identity)}"];

    /// <summary>The router's settings: server certificate and CA.</summary>
    public string[] RouterArgs() =>
        [$"--Router:ServerCertificate={Layout.RouterCertificate}", $"--Router:CaCertificate={Layout.CaCertificate}"];

    /// <summary>xmppctl's global options for the admin identity.</summary>
    public string[] CtlArgs() => ["--pki", Directory];
}
