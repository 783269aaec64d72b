using System.Buffers.Binary;
using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Security.Authentication.ExtendedProtection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Xmpp.Common.Sasl;

namespace Xmpp.C2s.Tls;

/// <summary>
/// The TLS channel bindings c2s can check in SCRAM-*-PLUS (RFC 5802 §6), computed from its own
/// side of a client's TLS connection:
/// <list type="bullet">
/// <item><c>tls-server-end-point</c> (RFC 5929 §4): the hash of c2s's certificate, TLS 1.2 and 1.3.
/// .NET's ChannelBindingKind.Endpoint hashes the peer's certificate, which a server does not have
/// (it throws), so the hash is taken here from the certificate c2s presents, with RFC 5929 §4.1's
/// choice of hash.</item>
/// <item><c>tls-unique</c> (RFC 5929 §3): the first Finished message, from .NET's
/// ChannelBindingKind.Unique; TLS 1.2 only, since RFC 5929 does not define it for TLS 1.3
/// (RFC 9266, RFC 8446 §C.5).</item>
/// <item><c>tls-exporter</c> (RFC 9266): 32 bytes of keying material exported with the label
/// "EXPORTER-Channel-Binding"; BouncyCastle's stack only (C2s:Tls:Stack), on TLS 1.3, and on
/// TLS 1.2 with the extended master secret. .NET 10's SslStream does not expose the keying
/// material exporter (dotnet/runtime#112529), so with SslStream it is not offered.</item>
/// </list>
/// With BouncyCastle tls-unique and tls-exporter come from its TlsContext.ExportChannelBinding.
/// </summary>
public static class TlsChannelBinding
{
    public const string ServerEndPoint = "tls-server-end-point";
    public const string Unique = "tls-unique";
    public const string Exporter = "tls-exporter";

    /// <summary>
    /// RFC 5929 §4.1: the certificate's signature hash, except MD5 and SHA-1, which become SHA-256.
    /// Null when the signature algorithm names no single hash (RSASSA-PSS, EdDSA): the binding is
    /// then undefined and not offered.
    /// </summary>
    public static HashAlgorithmName? EndPointHash(X509Certificate2 certificate) => certificate.SignatureAlgorithm.Value switch
    {
        "1.2.840.113549.1.1.4" or "1.2.840.113549.1.1.5" or "1.2.840.113549.1.1.11" => HashAlgorithmName.SHA256, // md5/sha1/sha256 with RSA
        "1.2.840.113549.1.1.12" => HashAlgorithmName.SHA384,
        "1.2.840.113549.1.1.13" => HashAlgorithmName.SHA512,
        "1.2.840.10045.4.1" or "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256, // ecdsa with sha1/sha256
        "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
        "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
        "1.2.840.10040.4.3" or "2.16.840.1.101.3.4.3.2" => HashAlgorithmName.SHA256, // dsa with sha1/sha256
        _ => null,
    };

    /// <summary>tls-server-end-point's data for <paramref name="certificate"/>; null when undefined for it.</summary>
    public static byte[]? EndPointData(X509Certificate2 certificate)
    {
        var hash = EndPointHash(certificate);
        if (hash is null) return null;
        if (hash == HashAlgorithmName.SHA384) return SHA384.HashData(certificate.RawData);
        if (hash == HashAlgorithmName.SHA512) return SHA512.HashData(certificate.RawData);
        return SHA256.HashData(certificate.RawData);
    }

    /// <summary>
    /// The types this connection supports, with their data, in order of preference: tls-server-end-point
    /// (when <paramref name="endPointData"/> is known), then tls-exporter and tls-unique where the
    /// stack and the connection give them (see the class).
    /// </summary>
    public static ScramChannelBinding Of(Stream tls, byte[]? endPointData) => tls switch
    {
        SslStream ssl => Of(ssl, endPointData),
        BouncyCastle.BcTlsStream bc => Of(bc, endPointData),
        _ => endPointData is null ? ScramChannelBinding.None : new ScramChannelBinding(new Dictionary<string, byte[]> { [ServerEndPoint] = endPointData }),
    };

    /// <summary>BouncyCastle's connection: tls-server-end-point, tls-exporter (TLS 1.3, or TLS 1.2 with extended master secret), tls-unique (TLS 1.2).</summary>
    public static ScramChannelBinding Of(BouncyCastle.BcTlsStream tls, byte[]? endPointData)
    {
        var data = new Dictionary<string, byte[]>();
        if (endPointData is not null) data[ServerEndPoint] = endPointData;
        if (tls.ExportChannelBinding(Org.BouncyCastle.Tls.ChannelBinding.tls_exporter) is { } exporter) data[Exporter] = exporter;
        if (tls.IsTls12 && tls.ExportChannelBinding(Org.BouncyCastle.Tls.ChannelBinding.tls_unique) is { } unique) data[Unique] = unique;
        return data.Count == 0 ? ScramChannelBinding.None : new ScramChannelBinding(data);
    }

    /// <summary>SslStream's connection: tls-server-end-point, tls-unique (TLS 1.2).</summary>
    public static ScramChannelBinding Of(SslStream tls, byte[]? endPointData)
    {
        var data = new Dictionary<string, byte[]>();
        if (endPointData is not null) data[ServerEndPoint] = endPointData;
#pragma warning disable SYSLIB0039 // the protocol is only compared, never chosen
        if (tls.SslProtocol == SslProtocols.Tls12 && UniqueData(tls) is { } unique) data[Unique] = unique;
#pragma warning restore SYSLIB0039
        return data.Count == 0 ? ScramChannelBinding.None : new ScramChannelBinding(data);
    }

    private static byte[]? UniqueData(SslStream tls)
    {
        try
        {
            using var binding = tls.TransportContext?.GetChannelBinding(ChannelBindingKind.Unique);
            return binding is null ? null : ApplicationData(binding, Unique);
        }
        catch (Exception e) when (e is AuthenticationException or InvalidOperationException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// The channel binding data in a <see cref="ChannelBinding"/>: the handle holds a
    /// SEC_CHANNEL_BINDINGS structure (eight 32-bit fields; the last two are the application
    /// data's length and offset) whose application data is "&lt;type&gt;:" followed by the data
    /// (the GSS-API form, RFC 5929 §3.1). Null when it is not that shape.
    /// </summary>
    public static byte[]? ApplicationData(ChannelBinding binding, string type)
    {
        const int HeaderSize = 32;
        var size = binding.Size;
        if (binding.IsInvalid || size < HeaderSize || size > 4096) return null;
        var bytes = new byte[size];
        var added = false;
        try
        {
            binding.DangerousAddRef(ref added);
            Marshal.Copy(binding.DangerousGetHandle(), bytes, 0, size);
        }
        finally
        {
            if (added) binding.DangerousRelease();
        }
        return ApplicationData(bytes, type);
    }

    /// <summary>The parsing half of <see cref="ApplicationData(ChannelBinding, string)"/>, on the structure's bytes.</summary>
    public static byte[]? ApplicationData(ReadOnlySpan<byte> structure, string type)
    {
        const int HeaderSize = 32;
        if (structure.Length < HeaderSize) return null;
        var length = BinaryPrimitives.ReadInt32LittleEndian(structure[24..]);
        var offset = BinaryPrimitives.ReadInt32LittleEndian(structure[28..]);
        if (length < 0 || offset < HeaderSize || offset > structure.Length - length) return null;
        var data = structure.Slice(offset, length);
        var prefix = Encoding.ASCII.GetBytes(type + ":");
        if (!data.StartsWith(prefix) || data.Length == prefix.Length) return null;
        return data[prefix.Length..].ToArray();
    }
}
