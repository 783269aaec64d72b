using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Xmpp.C2s.Tls;

/// <summary>
/// Turns on OpenSSL's SSL_MODE_RELEASE_BUFFERS for one established <see cref="SslStream"/>, so its
/// ~17 KiB read and ~17 KiB write record buffers are freed whenever they are empty instead of held
/// for the connection's life. .NET's OpenSSL shim does not set that mode and offers no option for it,
/// so this reaches the connection's SSL* through SslStream's private security context (on Linux a
/// SafeHandle whose handle is the SSL*) and calls libssl's SSL_ctrl itself. When anything of that is
/// not there (another platform, another runtime layout, no libssl) it does nothing and says so once:
/// the connection works the same, it only keeps its buffers.
/// </summary>
internal static class OpenSslIdleBuffers
{
    private const int SslCtrlMode = 33;                 // SSL_CTRL_MODE (ssl.h)
    private const nint SslModeReleaseBuffers = 0x10;    // SSL_MODE_RELEASE_BUFFERS (ssl.h)

    private static readonly FieldInfo? ContextField =
        typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic);

    private static readonly unsafe delegate* unmanaged<nint, int, nint, nint, nint> SslCtrl = FindSslCtrl();
    private static int _warned;

    /// <summary>Why it cannot work here, or null when it can.</summary>
    public static unsafe string? Unavailable =>
        !OperatingSystem.IsLinux() ? "not Linux"
        : ContextField is null ? "SslStream has no _securityContext field in this runtime"
        : SslCtrl == null ? "libssl's SSL_ctrl not found"
        : null;

    /// <summary>Sets the mode on an authenticated stream; false (logged once) when it could not.</summary>
    public static unsafe bool TryEnable(SslStream tls, ILogger logger)
    {
        if (Unavailable is { } why) return Warn(logger, why);
        if (ContextField!.GetValue(tls) is not SafeHandle { IsInvalid: false, IsClosed: false } ssl || ssl.GetType().Name != "SafeSslHandle")
            return Warn(logger, "SslStream's security context is not an OpenSSL SSL handle");
        var added = false;
        try
        {
            ssl.DangerousAddRef(ref added);
            SslCtrl(ssl.DangerousGetHandle(), SslCtrlMode, SslModeReleaseBuffers, 0);
            return true;
        }
        finally
        {
            if (added) ssl.DangerousRelease();
        }
    }

    private static bool Warn(ILogger logger, string why)
    {
        if (Interlocked.Exchange(ref _warned, 1) == 0)
            logger.LogWarning("TLS connections keep their OpenSSL record buffers while idle: {Reason}", why);
        return false;
    }

    private static unsafe delegate* unmanaged<nint, int, nint, nint, nint> FindSslCtrl()
    {
        if (!OperatingSystem.IsLinux()) return null;
        // .NET's shim has already loaded one of these; loading it again returns the same library.
        foreach (var name in new[] { "libssl.so.3", "libssl.so.1.1", "libssl.so" })
        {
            if (NativeLibrary.TryLoad(name, out var lib) && NativeLibrary.TryGetExport(lib, "SSL_ctrl", out var ctrl))
                return (delegate* unmanaged<nint, int, nint, nint, nint>)ctrl;
        }
        return null;
    }
}
