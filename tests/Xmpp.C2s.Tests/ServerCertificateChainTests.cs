using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xmpp.C2s.Tls;

namespace Xmpp.C2s.Tests;

/// <summary>
/// A certificate file with a CA -> intermediate -> leaf chain (C2s:CertificatePath, PKCS#12): both
/// TLS stacks send the intermediate after the leaf, so a client that trusts only the CA accepts
/// the server, on TLS 1.2 and 1.3. Without the intermediate the same client refuses it (the
/// check can fail).
/// </summary>
public sealed class ServerCertificateChainTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private readonly string _directory = Directory.CreateTempSubdirectory("c2s-chain-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static CertificateRequest Request(string subject, ECDsa key, bool ca)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(ca
            ? new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true)
            : new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        return request;
    }

    /// <summary>A root CA, an intermediate it signed, and a leaf for "localhost" the intermediate signed; the file holds all three.</summary>
    private (X509Certificate2 Ca, string Path) MakeChainFile()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = Request("CN=Test Root CA", caKey, ca: true).CreateSelfSigned(now.AddDays(-1), now.AddYears(2));
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = Request("CN=Test Intermediate CA", intermediateKey, ca: true);
        intermediateRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var intermediatePublic = intermediateRequest.Create(ca, now.AddDays(-1), now.AddYears(1), [1, 2, 3, 4]);
        using var intermediate = intermediatePublic.CopyWithPrivateKey(intermediateKey);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = Request("CN=localhost", leafKey, ca: false);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        leafRequest.CertificateExtensions.Add(san.Build());
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(intermediate, true, false));
        using var leafPublic = leafRequest.Create(intermediate, now.AddDays(-1), now.AddMonths(6), [5, 6, 7, 8]);
        using var leaf = leafPublic.CopyWithPrivateKey(leafKey);
        // the file as tools write it: CA and intermediate in any order next to the leaf
        var collection = new X509Certificate2Collection { X509CertificateLoader.LoadCertificate(ca.RawData), X509CertificateLoader.LoadCertificate(intermediate.RawData), leaf };
        var path = Path.Combine(_directory, "server.p12");
        File.WriteAllBytes(path, collection.Export(X509ContentType.Pkcs12, "secret")!);
        return (X509CertificateLoader.LoadCertificate(ca.RawData), path);
    }

    public static TheoryData<TlsStack, SslProtocols> Cases => new()
    {
        { TlsStack.BouncyCastle, SslProtocols.Tls12 }, { TlsStack.BouncyCastle, SslProtocols.Tls13 },
        { TlsStack.SslStream, SslProtocols.Tls12 }, { TlsStack.SslStream, SslProtocols.Tls13 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_client_trusting_only_the_ca_accepts_the_server(TlsStack stack, SslProtocols protocol)
    {
        var (ca, path) = MakeChainFile();
        var (certificate, chain) = ServerCertificate.LoadWithChain(new C2sOptions { CertificatePath = path, CertificatePassword = "secret" });
        Assert.Equal("CN=localhost", certificate.Subject);
        Assert.Equal(["CN=Test Intermediate CA"], chain.Select(c => c.Subject)); // the root is left out
        var received = await HandshakeAsync(new ServerTls(certificate, stack, chain), ca, protocol);
        Assert.Equal(["CN=localhost", "CN=Test Intermediate CA"], received);
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Without_the_intermediate_the_same_client_refuses_the_server(SslProtocols protocol)
    {
        var (ca, path) = MakeChainFile();
        var (certificate, _) = ServerCertificate.LoadWithChain(new C2sOptions { CertificatePath = path, CertificatePassword = "secret" });
        await Assert.ThrowsAnyAsync<AuthenticationException>(() => HandshakeAsync(new ServerTls(certificate, TlsStack.BouncyCastle), ca, protocol));
    }

    /// <summary>A .NET client whose only trust anchor is <paramref name="ca"/>; returns the subjects of the certificates the server sent.</summary>
    private static async Task<string[]> HandshakeAsync(ServerTls server, X509Certificate2 ca, SslProtocols protocol)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var clientSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await clientSocket.ConnectAsync(listener.LocalEndPoint!);
        using var accepted = await listener.AcceptAsync();
        await using var network = new NetworkStream(accepted, ownsSocket: false);
        var serverSide = server.AuthenticateAsync(network, directTls: false, CancellationToken.None);
        await using var client = new SslStream(new NetworkStream(clientSocket, ownsSocket: false));
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(ca);
        string[] received = [];
        try
        {
            await client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                EnabledSslProtocols = protocol,
                CertificateChainPolicy = policy,
                RemoteCertificateValidationCallback = (_, leaf, chain, errors) =>
                {
                    received = chain!.ChainElements.Select(e => e.Certificate.Subject).Where(s => s != ca.Subject).ToArray();
                    return errors == SslPolicyErrors.None;
                },
            }).WaitAsync(Limit);
        }
        catch
        {
            // .NET checks the certificate once OpenSSL's handshake is done: the server's side may have completed
            try
            {
                await using var done = await serverSide.WaitAsync(Limit);
            }
            catch (IOException)
            {
            }
            throw;
        }
        await using var tls = await serverSide.WaitAsync(Limit);
        return received;
    }
}
