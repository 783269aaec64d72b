namespace Xmpp.Integration.Tests.Harness;

/// <summary>
/// A shared cluster whose c2s run BouncyCastle's TLS (C2s:Tls:Stack=BouncyCastle), for the TLS
/// tests that must pass with either stack: a test class of the "cluster" collection gets a
/// subclass in this collection (e.g. <c>OpenSslInteropBouncyCastleTests</c>).
/// </summary>
public sealed class BouncyCastleClusterFixture() : ClusterFixture(new ClusterOptions
{
    ExtraArgs = new Dictionary<string, string[]> { ["c2s"] = [StackArg] },
})
{
    public const string StackArg = "--C2s:Tls:Stack=BouncyCastle";
}

[CollectionDefinition(Name)]
public sealed class BouncyCastleClusterCollection : ICollectionFixture<BouncyCastleClusterFixture>
{
    public const string Name = "cluster-bouncycastle";
}
