using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

// The TLS tests again, against c2s processes running SslStream's TLS (C2s:Tls:Stack=SslStream, the
// alternative to the default BouncyCastle): openssl s_client with TLS 1.2 and 1.3, KeyUpdates,
// close_notify both ways; slixmpp's login and message over STARTTLS; large stanzas across many TLS
// records; direct TLS (XEP-0368, ALPN) and SCRAM-*-PLUS channel binding.

[Collection(SslStreamClusterCollection.Name)]
public sealed class OpenSslInteropSslStreamTests(SslStreamClusterFixture fixture, ITestOutputHelper output)
    : OpenSslInteropTests(fixture, output);

[Collection(SslStreamClusterCollection.Name)]
public sealed class InteropSslStreamTests(SslStreamClusterFixture fixture, ITestOutputHelper output)
    : InteropTests(fixture, output);

[Collection(SslStreamClusterCollection.Name)]
public sealed class TlsLargeStanzaSslStreamTests(SslStreamClusterFixture fixture, ITestOutputHelper output)
    : TlsLargeStanzaTests(fixture, output);

public sealed class DirectTlsSslStreamTests(ITestOutputHelper output) : DirectTlsTests(output)
{
    protected override string? Stack => TlsStacks.SslStream;
}

public sealed class SlixmppChannelBindingSslStreamTests(ITestOutputHelper output) : SlixmppChannelBindingTests(output)
{
    protected override string? Stack => TlsStacks.SslStream;
}
