using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

// The TLS tests again, against c2s processes running BouncyCastle's TLS (C2s:Tls:Stack=BouncyCastle):
// openssl s_client with TLS 1.2 and 1.3, KeyUpdates, close_notify both ways; slixmpp's login and
// message over STARTTLS; large stanzas across many TLS records.

[Collection(BouncyCastleClusterCollection.Name)]
public sealed class OpenSslInteropBouncyCastleTests(BouncyCastleClusterFixture fixture, ITestOutputHelper output)
    : OpenSslInteropTests(fixture, output);

[Collection(BouncyCastleClusterCollection.Name)]
public sealed class InteropBouncyCastleTests(BouncyCastleClusterFixture fixture, ITestOutputHelper output)
    : InteropTests(fixture, output);

[Collection(BouncyCastleClusterCollection.Name)]
public sealed class TlsLargeStanzaBouncyCastleTests(BouncyCastleClusterFixture fixture, ITestOutputHelper output)
    : TlsLargeStanzaTests(fixture, output);

// Direct TLS (XEP-0368, ALPN) and SCRAM-*-PLUS channel binding with the other stack.

public sealed class DirectTlsBouncyCastleTests(ITestOutputHelper output) : DirectTlsTests(output)
{
    protected override string? Stack => TlsStacks.BouncyCastle;
}

public sealed class SlixmppChannelBindingBouncyCastleTests(ITestOutputHelper output) : SlixmppChannelBindingTests(output)
{
    protected override string? Stack => TlsStacks.BouncyCastle;
}
