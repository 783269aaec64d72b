namespace Xmpp.Integration.Tests.Harness;

/// <summary>
/// A shared cluster whose c2s run SslStream's TLS (C2s:Tls:Stack=SslStream, the alternative to
/// the default BouncyCastle), for the TLS tests that must pass with either stack: a test class of
/// the "cluster" collection gets a subclass in this collection (e.g. <c>OpenSslInteropSslStreamTests</c>).
/// </summary>
public sealed class SslStreamClusterFixture() : ClusterFixture(new ClusterOptions
{
    ExtraArgs = new Dictionary<string, string[]> { ["c2s"] = TlsStacks.Args(TlsStacks.SslStream) },
});

[CollectionDefinition(Name)]
public sealed class SslStreamClusterCollection : ICollectionFixture<SslStreamClusterFixture>
{
    public const string Name = "cluster-sslstream";
}
