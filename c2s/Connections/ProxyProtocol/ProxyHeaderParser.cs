using System.Buffers.Binary;
using System.Net;

namespace Xmpp.C2s.Connections.ProxyProtocol;

/// <summary>How far <see cref="ProxyHeaderParser.Parse"/> got.</summary>
public enum ProxyParseStatus
{
    /// <summary>Not enough bytes yet; <see cref="ProxyParseResult.Length"/> is how many the header needs in all (as far as known).</summary>
    NeedMore,
    /// <summary>A whole header; <see cref="ProxyParseResult.Length"/> bytes of it, nothing of the client's stream.</summary>
    Complete,
    /// <summary>Not a valid header (<see cref="ProxyParseResult.Error"/> says why); the connection must be closed.</summary>
    Invalid,
}

/// <summary>A parse's outcome; <see cref="TooLong"/> marks an invalid header refused for its size alone.</summary>
public readonly record struct ProxyParseResult(ProxyParseStatus Status, int Length, ProxyHeader? Header, string? Error, bool TooLong = false)
{
    public static ProxyParseResult NeedMore(int length) => new(ProxyParseStatus.NeedMore, length, null, null);
    public static ProxyParseResult Invalid(string error, bool tooLong = false) => new(ProxyParseStatus.Invalid, 0, null, error, tooLong);
}

/// <summary>
/// The binary PROXY protocol v2 header (HAProxy's proxy-protocol.txt, section 2.2) as a pure function
/// over bytes: the 12-byte signature, version 2, command LOCAL or PROXY, family UNSPEC, INET, INET6
/// or UNIX over STREAM (or UNSPEC) transport, a big-endian length, the address block, then TLVs,
/// which are checked to lie inside the header and otherwise skipped (after UNSPEC everything is ignored). The text v1 header is not accepted.
/// Fed the bytes read so far, it says how many more it needs, so a reader never reads past the header.
/// </summary>
public static class ProxyHeaderParser
{
    /// <summary>The fixed part: signature (12), version/command (1), family/transport (1), length (2).</summary>
    public const int FixedLength = 16;

    private static ReadOnlySpan<byte> Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private const int InetBlock = 4 + 4 + 2 + 2;
    private const int Inet6Block = 16 + 16 + 2 + 2;
    private const int UnixBlock = 108 + 108;

    /// <summary>Parses <paramref name="data"/>, the first bytes of a connection; <paramref name="maxLength"/> bounds the whole header.</summary>
    public static ProxyParseResult Parse(ReadOnlySpan<byte> data, int maxLength)
    {
        var signature = Signature;
        var prefix = Math.Min(data.Length, signature.Length);
        if (!data[..prefix].SequenceEqual(signature[..prefix])) return ProxyParseResult.Invalid("not a PROXY protocol v2 signature");
        if (data.Length < FixedLength) return ProxyParseResult.NeedMore(FixedLength);

        var versionCommand = data[12];
        if (versionCommand >> 4 != 2) return ProxyParseResult.Invalid($"version {versionCommand >> 4}, not 2");
        var command = versionCommand & 0x0F;
        if (command > 1) return ProxyParseResult.Invalid($"unknown command {command}");
        var family = data[13] >> 4;
        var transport = data[13] & 0x0F;
        if (family > 3) return ProxyParseResult.Invalid($"unknown address family {family}");
        if (transport > 2) return ProxyParseResult.Invalid($"unknown transport {transport}");
        var length = FixedLength + BinaryPrimitives.ReadUInt16BigEndian(data[14..16]);
        if (length > maxLength) return ProxyParseResult.Invalid($"header of {length} bytes, more than {maxLength}", tooLong: true);
        if (data.Length < length) return ProxyParseResult.NeedMore(length);

        var body = data[FixedLength..length];
        if (command == (int)ProxyCommand.Local)
        {
            // The proxy's own connection: the address block (if any) is ignored, the TLVs are not looked at.
            return new ProxyParseResult(ProxyParseStatus.Complete, length, new ProxyHeader(ProxyCommand.Local, (ProxyAddressFamily)family, null, null), null);
        }
        if (transport == 2) return ProxyParseResult.Invalid("a datagram (DGRAM) connection on a stream listener");
        var block = family switch { 1 => InetBlock, 2 => Inet6Block, 3 => UnixBlock, _ => 0 };
        if (body.Length < block) return ProxyParseResult.Invalid($"address block of {body.Length} bytes, family {family} needs {block}");
        // UNSPEC: whatever follows is unknown address information, ignored as the specification says.
        if (family != 0 && TlvError(body[block..]) is { } tlvError) return ProxyParseResult.Invalid(tlvError);

        IPEndPoint? source = null, destination = null;
        if (family is 1 or 2)
        {
            var size = family == 1 ? 4 : 16;
            source = new IPEndPoint(new IPAddress(body[..size]), BinaryPrimitives.ReadUInt16BigEndian(body[(2 * size)..]));
            destination = new IPEndPoint(new IPAddress(body[size..(2 * size)]), BinaryPrimitives.ReadUInt16BigEndian(body[(2 * size + 2)..]));
        }
        return new ProxyParseResult(ProxyParseStatus.Complete, length, new ProxyHeader(ProxyCommand.Proxy, (ProxyAddressFamily)family, source, destination), null);
    }

    /// <summary>Why the TLV area is not a sequence of whole type(1)-length(2)-value records, or null when it is.</summary>
    private static string? TlvError(ReadOnlySpan<byte> tlvs)
    {
        while (tlvs.Length > 0)
        {
            if (tlvs.Length < 3) return "a truncated TLV";
            var length = BinaryPrimitives.ReadUInt16BigEndian(tlvs[1..3]);
            if (3 + length > tlvs.Length) return $"a TLV (type 0x{tlvs[0]:x2}) longer than the header";
            tlvs = tlvs[(3 + length)..];
        }
        return null;
    }
}
