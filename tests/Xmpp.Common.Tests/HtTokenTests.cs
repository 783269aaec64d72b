using System.Text;
using Xmpp.Common.Sasl;

namespace Xmpp.Common.Tests;

/// <summary>
/// The HT-SHA-256-* computations (draft-schmaus-kitten-sasl-ht-08, XEP-0484). Neither the draft nor
/// the XEP publishes test vectors; the expected HMACs here were computed independently with
/// Python's hmac module (hmac.new(token, b"Initiator" + cb, hashlib.sha256)), the token taken
/// as the UTF-8 text the server issued (the XEP's example token value, with Prosody's prefix).
/// </summary>
public sealed class HtTokenTests
{
    private const string Token = "secret-token:fast-WXZzciBwYmFmdmZnZiBqdmd1IGp2eXFhcmZm";
    private static readonly byte[] EndPoint = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void Without_channel_binding_the_hmacs_match_an_independent_implementation()
    {
        Assert.Equal("5f9c36e651c776836c6a23481fce8b76dd8a174de8aa5269042ef9987f00bfe9", Convert.ToHexStringLower(HtToken.Initiator(HtToken.Key(Token), [])));
        Assert.Equal("dab2bda19d4f62d04bb622390b073c58979c9c4058dbb20c6e6e5c17fefedd63", Convert.ToHexStringLower(HtToken.Responder(HtToken.Key(Token), [])));
    }

    [Fact]
    public void With_channel_binding_data_the_hmacs_cover_it()
    {
        Assert.Equal("637568ce22afba3101992eab8f5c9419f73fc1fa54e9a8445b0c1f400f70ea1a", Convert.ToHexStringLower(HtToken.Initiator(HtToken.Key(Token), EndPoint)));
        Assert.Equal("7d4073d0e7f2f402dd6c8b031903d52a28a4fcf3a0291ee28820c5de2438ab85", Convert.ToHexStringLower(HtToken.Responder(HtToken.Key(Token), EndPoint)));
        Assert.False(HtToken.Matches(HtToken.Initiator(HtToken.Key(Token), EndPoint), HtToken.Initiator(HtToken.Key(Token), [])));
    }

    [Fact]
    public void The_initial_response_is_authcid_nul_initiator_hmac_and_parses_back()
    {
        var message = HtToken.InitialResponse("juliet", Token, EndPoint);
        Assert.Equal("juliet\0"u8.ToArray(), message[..7]);
        Assert.True(HtToken.TryParseInitialResponse(message, out var authcid, out var hash));
        Assert.Equal("juliet", authcid);
        Assert.True(HtToken.Matches(HtToken.Initiator(HtToken.Key(Token), EndPoint), hash));
    }

    [Theory]
    [InlineData("")]            // nothing
    [InlineData("juliet")]      // no NUL
    [InlineData("\0hash")]      // empty authcid
    [InlineData("juliet\0abc")] // an HMAC of the wrong length
    public void Malformed_initial_responses_are_refused(string text)
    {
        Assert.False(HtToken.TryParseInitialResponse(Encoding.UTF8.GetBytes(text), out _, out _));
    }

    [Fact]
    public void An_authcid_that_is_not_utf8_is_refused()
    {
        byte[] message = [0xff, 0xfe, 0, .. new byte[32]];
        Assert.False(HtToken.TryParseInitialResponse(message, out _, out _));
    }

    [Fact]
    public void A_wrong_token_or_a_truncated_hmac_does_not_match()
    {
        var right = HtToken.Initiator(HtToken.Key(Token), []);
        Assert.False(HtToken.Matches(right, HtToken.Initiator(HtToken.Key(Token + "x"), [])));
        Assert.False(HtToken.Matches(right, right[..31]));
        Assert.True(HtToken.Matches(right, right.ToArray()));
    }

    [Fact]
    public void Offered_mechanisms_follow_the_connections_channel_bindings_strongest_first()
    {
        Assert.Equal(["HT-SHA-256-NONE"], HtMechanism.Offered(ScramChannelBinding.None).Select(m => m.Name));
        var endpoint = new ScramChannelBinding(new Dictionary<string, byte[]> { ["tls-server-end-point"] = EndPoint });
        Assert.Equal(["HT-SHA-256-ENDP", "HT-SHA-256-NONE"], HtMechanism.Offered(endpoint).Select(m => m.Name));
        var all = new ScramChannelBinding(new Dictionary<string, byte[]>
            { ["tls-server-end-point"] = EndPoint, ["tls-exporter"] = EndPoint, ["tls-unique"] = EndPoint });
        Assert.Equal(["HT-SHA-256-EXPR", "HT-SHA-256-ENDP", "HT-SHA-256-UNIQ", "HT-SHA-256-NONE"], HtMechanism.Offered(all).Select(m => m.Name));
        Assert.Same(HtMechanism.Endp, HtMechanism.ByName("HT-SHA-256-ENDP"));
        Assert.Null(HtMechanism.ByName("HT-SHA-1-NONE"));
    }
}
