using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Xmpp.C2s.Tls;

/// <summary>
/// The libssl and libcrypto functions c2s calls on an <see cref="SslStream"/>'s OpenSSL connection
/// itself, taken from the libraries .NET's OpenSSL shim has already loaded, and the way to that
/// connection's SSL*: SslStream's private security context, on Linux a SafeHandle whose handle is
/// the SSL*. Null (<see cref="Functions"/>) on another platform or when anything is missing; callers
/// then do nothing and the connection works as SslStream alone makes it.
/// </summary>
internal static unsafe class LibSsl
{
    private static readonly FieldInfo? ContextField =
        typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic);

    public static readonly Api? Functions = Api.Load();

    /// <summary>Why it cannot work here, or null when it can.</summary>
    public static string? Unavailable =>
        !OperatingSystem.IsLinux() ? "not Linux"
        : ContextField is null ? "SslStream has no _securityContext field in this runtime"
        : Functions is null ? "libssl's or libcrypto's functions not found"
        : null;

    /// <summary>The stream's OpenSSL connection handle (a SafeSslHandle), or null.</summary>
    public static SafeHandle? SslHandle(SslStream tls) =>
        Unavailable is null && ContextField!.GetValue(tls) is SafeHandle { IsInvalid: false, IsClosed: false } ssl && ssl.GetType().Name == "SafeSslHandle"
            ? ssl
            : null;

    /// <summary>Runs <paramref name="action"/> on the stream's SSL* while holding a reference to its handle; default when there is none.</summary>
    public static T WithSsl<T>(SslStream tls, Func<Api, nint, T> action, T none)
    {
        if (SslHandle(tls) is not { } ssl) return none;
        var added = false;
        try
        {
            ssl.DangerousAddRef(ref added);
            return action(Functions!, ssl.DangerousGetHandle());
        }
        catch (ObjectDisposedException)
        {
            return none;
        }
        finally
        {
            if (added) ssl.DangerousRelease();
        }
    }

    public sealed class Api
    {
        public required delegate* unmanaged<nint, int, nint, nint, nint> SslCtrl;
        public required delegate* unmanaged<nint, nint> SslGetRbio;
        public required delegate* unmanaged<nint, nint> SslGetWbio;
        public required delegate* unmanaged<nint, nint> SslGetSslCtx;
        public required delegate* unmanaged<nint, int, nint> SslGetExData;
        public required delegate* unmanaged<nint, int, nint, int> SslSetExData;
        public required delegate* unmanaged<nint, nint, void> SslCtxSetMsgCallback;
        public required delegate* unmanaged<nint, nint, void> SslCtxSetKeylogCallback;
        public required delegate* unmanaged<nint, nint> SslCtxGetKeylogCallback;
        public required delegate* unmanaged<int, nint, nint, nint, nint, nint, int> CryptoGetExNewIndex;
        public required delegate* unmanaged<nint, int> BioMethodType;
        public required delegate* unmanaged<nint, int, nint, nint, nint> BioCtrl;
        public required delegate* unmanaged<nint> BufMemNew;

        public static Api? Load()
        {
            if (!OperatingSystem.IsLinux()) return null;
            // Loading a library .NET has loaded already returns the same one.
            foreach (var (ssl, crypto) in new[] { ("libssl.so.3", "libcrypto.so.3"), ("libssl.so.1.1", "libcrypto.so.1.1") })
            {
                if (!NativeLibrary.TryLoad(ssl, out var libssl) || !NativeLibrary.TryLoad(crypto, out var libcrypto)) continue;
                nint F(nint lib, string name) => NativeLibrary.TryGetExport(lib, name, out var f) ? f : 0;
                var functions = new[]
                {
                    F(libssl, "SSL_ctrl"), F(libssl, "SSL_get_rbio"), F(libssl, "SSL_get_wbio"), F(libssl, "SSL_get_SSL_CTX"),
                    F(libssl, "SSL_get_ex_data"), F(libssl, "SSL_set_ex_data"), F(libssl, "SSL_CTX_set_msg_callback"),
                    F(libssl, "SSL_CTX_set_keylog_callback"), F(libssl, "SSL_CTX_get_keylog_callback"),
                    F(libcrypto, "CRYPTO_get_ex_new_index"), F(libcrypto, "BIO_method_type"), F(libcrypto, "BIO_ctrl"),
                    F(libcrypto, "BUF_MEM_new"),
                };
                if (Array.IndexOf(functions, (nint)0) >= 0) continue;
                return new Api
                {
                    SslCtrl = (delegate* unmanaged<nint, int, nint, nint, nint>)functions[0],
                    SslGetRbio = (delegate* unmanaged<nint, nint>)functions[1],
                    SslGetWbio = (delegate* unmanaged<nint, nint>)functions[2],
                    SslGetSslCtx = (delegate* unmanaged<nint, nint>)functions[3],
                    SslGetExData = (delegate* unmanaged<nint, int, nint>)functions[4],
                    SslSetExData = (delegate* unmanaged<nint, int, nint, int>)functions[5],
                    SslCtxSetMsgCallback = (delegate* unmanaged<nint, nint, void>)functions[6],
                    SslCtxSetKeylogCallback = (delegate* unmanaged<nint, nint, void>)functions[7],
                    SslCtxGetKeylogCallback = (delegate* unmanaged<nint, nint>)functions[8],
                    CryptoGetExNewIndex = (delegate* unmanaged<int, nint, nint, nint, nint, nint, int>)functions[9],
                    BioMethodType = (delegate* unmanaged<nint, int>)functions[10],
                    BioCtrl = (delegate* unmanaged<nint, int, nint, nint, nint>)functions[11],
                    BufMemNew = (delegate* unmanaged<nint>)functions[12],
                };
            }
            return null;
        }
    }
}
