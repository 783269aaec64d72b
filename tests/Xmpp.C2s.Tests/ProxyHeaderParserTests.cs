using System.Net;
using Xmpp.C2s.Connections.ProxyProtocol;

namespace Xmpp.C2s.Tests;

/// <summary>The PROXY protocol v2 header parser on bytes alone, including hostile input.</summary>
public sealed class ProxyHeaderParserTests
{
    private const int Max = 4096;
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>A header: signature, version/command byte, family/transport byte, then <paramref name="body"/> with its length.</summary>
    private static byte[] Header(byte versionCommand, byte familyTransport, byte[] body, int? declaredLength = null)
    {
        var length = declaredLength ?? body.Length;
        return [.. Signature, versionCommand, familyTransport, (byte)(length >> 8), (byte)length, .. body];
    }

    private static byte[] Inet(string source, ushort sourcePort, string destination, ushort destinationPort) =>
        [.. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(),
            (byte)(sourcePort >> 8), (byte)sourcePort, (byte)(destinationPort >> 8), (byte)destinationPort];

    [Fact]
    public void An_ipv4_proxy_header_gives_the_client_address_and_its_exact_length()
    {
        var header = Header(0x21, 0x11, Inet("127.0.0.2", 40000, "127.0.0.1", 5222));
        byte[] withStream = [.. header, .. "<?xml version='1.0'?>"u8.ToArray()];

        var result = ProxyHeaderParser.Parse(withStream, Max);

        Assert.Equal(ProxyParseStatus.Complete, result.Status);
        Assert.Equal(28, result.Length); // the client's stream after it is not part of the header
        Assert.Equal(ProxyCommand.Proxy, result.Header!.Command);
        Assert.Equal(ProxyAddressFamily.Inet, result.Header.Family);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 40000), result.Header.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5222), result.Header.Destination);
    }

    [Fact]
    public void An_ipv6_proxy_header_gives_the_client_address()
    {
        var result = ProxyHeaderParser.Parse(Header(0x21, 0x21, Inet("2001:db8::7", 443, "2001:db8::1", 5222)), Max);

        Assert.Equal(ProxyParseStatus.Complete, result.Status);
        Assert.Equal(16 + 36, result.Length);
        Assert.Equal(ProxyAddressFamily.Inet6, result.Header!.Family);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 443), result.Header.Source);
    }

    [Fact]
    public void A_unix_socket_header_is_accepted_without_an_ip_source()
    {
        var result = ProxyHeaderParser.Parse(Header(0x21, 0x31, new byte[216]), Max);

        Assert.Equal(ProxyParseStatus.Complete, result.Status);
        Assert.Equal(ProxyAddressFamily.Unix, result.Header!.Family);
        Assert.Null(result.Header.Source);
    }

    [Fact]
    public void A_local_command_is_the_proxys_own_connection_without_a_source()
    {
        var result = ProxyHeaderParser.Parse(Header(0x20, 0x00, []), Max);

        Assert.Equal(ProxyParseStatus.Complete, result.Status);
        Assert.Equal(16, result.Length);
        Assert.Equal(ProxyCommand.Local, result.Header!.Command);
        Assert.Null(result.Header.Source);
    }

    [Fact]
    public void Unspecified_family_is_accepted_without_a_source()
    {
        var result = ProxyHeaderParser.Parse(Header(0x21, 0x00, [1, 2, 3]), Max);

        Assert.Equal(ProxyParseStatus.Complete, result.Status);
        Assert.Null(result.Header!.Source);
    }

    [Fact]
    public void Tlvs_after_the_addresses_are_skipped()
    {
        byte[] tlvs = [0x04, 0x00, 0x00, /* NOOP, empty */ 0x05, 0x00, 0x03, 0xAA, 0xBB, 0xCC /* UNIQUE_ID, 3 bytes */];
        var result = ProxyHeaderParser.Parse(Header(0x21, 0x11, [.. Inet("10.1.2.3", 1, "10.0.0.1", 2), .. tlvs]), Max);

        Assert.Equal(ProxyParseStatus.Complete, result.Status);
        Assert.Equal(16 + 12 + tlvs.Length, result.Length);
        Assert.Equal(IPAddress.Parse("10.1.2.3"), result.Header!.Source!.Address);
    }

    [Fact]
    public void A_tlv_running_past_the_header_is_malformed()
    {
        byte[] tlvs = [0x05, 0x00, 0x09, 0xAA];
        var result = ProxyHeaderParser.Parse(Header(0x21, 0x11, [.. Inet("10.1.2.3", 1, "10.0.0.1", 2), .. tlvs]), Max);

        Assert.Equal(ProxyParseStatus.Invalid, result.Status);
    }

    [Fact]
    public void A_truncated_tlv_is_malformed()
    {
        var result = ProxyHeaderParser.Parse(Header(0x21, 0x11, [.. Inet("10.1.2.3", 1, "10.0.0.1", 2), 0x05, 0x00]), Max);

        Assert.Equal(ProxyParseStatus.Invalid, result.Status);
    }

    [Fact]
    public void Every_truncation_of_a_valid_header_asks_for_more_and_never_for_less_than_it_has()
    {
        var header = Header(0x21, 0x21, [.. Inet("2001:db8::7", 443, "2001:db8::1", 5222), 0x04, 0x00, 0x01, 0x00]);
        for (var n = 0; n < header.Length; n++)
        {
            var result = ProxyHeaderParser.Parse(header.AsSpan(0, n), Max);
            Assert.Equal(ProxyParseStatus.NeedMore, result.Status);
            Assert.True(result.Length > n && result.Length <= header.Length, $"at {n} bytes it asked for {result.Length}");
        }
        Assert.Equal(ProxyParseStatus.Complete, ProxyHeaderParser.Parse(header, Max).Status);
    }

    [Theory]
    [InlineData("<?xml version='1.0'?>")]
    [InlineData("PROXY TCP4 127.0.0.2 127.0.0.1 40000 5222\r\n")] // v1 text is not accepted
    [InlineData("\r\n\r\n\0\r\nQUIX\n")]
    [InlineData("\r")] // one wrong byte further on is enough; this one is right so far
    public void A_wrong_signature_is_refused_as_soon_as_a_byte_differs(string start)
    {
        var result = ProxyHeaderParser.Parse(System.Text.Encoding.ASCII.GetBytes(start), Max);

        if (start == "\r") Assert.Equal(ProxyParseStatus.NeedMore, result.Status);
        else Assert.Equal(ProxyParseStatus.Invalid, result.Status);
    }

    [Theory]
    [InlineData(0x11)] // version 1 in the binary format
    [InlineData(0x31)] // version 3
    [InlineData(0x22)] // command 2
    [InlineData(0x2F)] // command 15
    public void A_wrong_version_or_command_is_malformed(byte versionCommand)
    {
        var result = ProxyHeaderParser.Parse(Header(versionCommand, 0x11, Inet("10.1.2.3", 1, "10.0.0.1", 2)), Max);

        Assert.Equal(ProxyParseStatus.Invalid, result.Status);
    }

    [Theory]
    [InlineData(0x41)] // family 4
    [InlineData(0x13)] // transport 3
    [InlineData(0x12)] // DGRAM on a stream listener
    public void A_wrong_family_or_transport_is_malformed(byte familyTransport)
    {
        var result = ProxyHeaderParser.Parse(Header(0x21, familyTransport, Inet("10.1.2.3", 1, "10.0.0.1", 2)), Max);

        Assert.Equal(ProxyParseStatus.Invalid, result.Status);
    }

    [Theory]
    [InlineData(0x11, 11)] // IPv4 needs 12
    [InlineData(0x21, 12)] // IPv6 needs 36
    [InlineData(0x31, 100)] // UNIX needs 216
    public void An_address_block_shorter_than_its_family_is_malformed(byte familyTransport, int length)
    {
        var result = ProxyHeaderParser.Parse(Header(0x21, familyTransport, new byte[length]), Max);

        Assert.Equal(ProxyParseStatus.Invalid, result.Status);
    }

    [Fact]
    public void A_length_past_the_end_waits_for_the_rest_and_a_length_past_the_limit_is_refused_at_once()
    {
        var header = Header(0x21, 0x11, Inet("10.1.2.3", 1, "10.0.0.1", 2), declaredLength: 40);
        var waiting = ProxyHeaderParser.Parse(header, Max);
        Assert.Equal(ProxyParseStatus.NeedMore, waiting.Status);
        Assert.Equal(56, waiting.Length);

        var huge = ProxyHeaderParser.Parse(Header(0x21, 0x11, [], declaredLength: 0xFFFF), Max);
        Assert.Equal(ProxyParseStatus.Invalid, huge.Status);
        Assert.True(huge.TooLong);
    }

    [Fact]
    public void Random_bytes_after_the_signature_never_throw()
    {
        var random = new Random(18);
        for (var i = 0; i < 20_000; i++)
        {
            var tail = new byte[random.Next(0, 300)];
            random.NextBytes(tail);
            var result = ProxyHeaderParser.Parse([.. Signature, .. tail], 256);
            Assert.True(result.Status != ProxyParseStatus.Complete || result.Length <= Signature.Length + tail.Length);
        }
    }
}
