using Xmpp.Gateway.Protocol;

namespace Xmpp.Gateway.Tests;

/// <summary>XEP-0114 §3's handshake: hex(SHA-1(stream id + secret)).</summary>
public sealed class ComponentHandshakeTests
{
    [Fact]
    public void The_handshake_is_the_hex_sha1_of_stream_id_and_secret()
    {
        // stream id 3BF96D32, secret "sesame": `printf 3BF96D32sesame | sha1sum`.
        Assert.Equal("7a98dc4c9e92493d7fd66a25364c862637789c45", ComponentHandshake.Compute("3BF96D32", "sesame"));
    }

    [Theory]
    [InlineData("7a98dc4c9e92493d7fd66a25364c862637789c45", true)]
    [InlineData("7A98DC4C9E92493D7FD66A25364C862637789C45", true)]
    [InlineData(" 7a98dc4c9e92493d7fd66a25364c862637789c45\n", true)]
    [InlineData("7a98dc4c9e92493d7fd66a25364c862637789c46", false)]
    [InlineData("7a98dc4c9e92493d7fd66a25364c862637789c4", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Verification_accepts_only_the_right_digest(string? presented, bool ok) =>
        Assert.Equal(ok, ComponentHandshake.Verify("3BF96D32", "sesame", presented));

    [Fact]
    public void Another_secret_or_stream_id_gives_another_digest()
    {
        var digest = ComponentHandshake.Compute("3BF96D32", "sesame");
        Assert.False(ComponentHandshake.Verify("3BF96D32", "open", digest));
        Assert.False(ComponentHandshake.Verify("3BF96D33", "sesame", digest));
    }

    [Fact]
    public void Stream_ids_are_fresh() => Assert.NotEqual(ComponentHandshake.NewStreamId(), ComponentHandshake.NewStreamId());
}
