using System.Net.Security;

namespace Xmpp.C2s.Tls;

/// <summary>
/// Frees what an established <see cref="SslStream"/>'s OpenSSL connection holds only because of
/// its handshake or its busiest moment:
/// <list type="bullet">
/// <item>SSL_MODE_RELEASE_BUFFERS: the ~17 KiB read and ~17 KiB write record buffers are freed
///   whenever they are empty instead of held for the connection's life.</item>
/// <item>The two memory BIOs .NET moves the TLS bytes through keep a buffer as large as the largest
///   flight that passed (the server's first flight with its certificate chain: a few KiB); once the
///   handshake is over and they are empty, each gets a fresh empty buffer (BIO_set_mem_buf), which
///   grows again only as far as later records need.</item>
/// </list>
/// .NET's OpenSSL shim offers no option for either, so this calls libssl and libcrypto on the
/// connection's SSL* itself (<see cref="LibSsl"/>). When anything of that is not there (another
/// platform, another runtime layout, no libssl, BIOs that are not memory BIOs) it does nothing and
/// says so once: the connection works the same, it only keeps its buffers.
/// </summary>
internal static class OpenSslIdleBuffers
{
    private const int SslCtrlMode = 33;                 // SSL_CTRL_MODE (ssl.h)
    private const nint SslModeReleaseBuffers = 0x10;    // SSL_MODE_RELEASE_BUFFERS (ssl.h)

    private const int BioTypeMem = 1 | 0x0400;           // BIO_TYPE_MEM (bio.h)
    private const int BioCtrlPending = 10;               // BIO_CTRL_PENDING
    private const int BioCSetBufMem = 114;               // BIO_C_SET_BUF_MEM (BIO_set_mem_buf)
    private const nint BioClose = 1;                     // BIO_CLOSE: the BIO frees the buffer with itself
    private const int BioCGetBufMemPtr = 115;            // BIO_C_GET_BUF_MEM_PTR (BIO_get_mem_ptr)

    private static int _warned;

    /// <summary>Why it cannot work here, or null when it can.</summary>
    public static string? Unavailable => LibSsl.Unavailable;

    /// <summary>Sets the mode on an authenticated stream; false (logged once) when it could not.</summary>
    public static unsafe bool TryEnable(SslStream tls, ILogger logger)
    {
        if (Unavailable is { } why) return Warn(logger, why);
        var done = LibSsl.WithSsl(tls, static (native, handle) =>
        {
            native.SslCtrl(handle, SslCtrlMode, SslModeReleaseBuffers, 0);
            var rbio = native.SslGetRbio(handle);
            var wbio = native.SslGetWbio(handle);
            ShrinkIfEmpty(native, rbio);
            if (wbio != rbio) ShrinkIfEmpty(native, wbio);
            return true;
        }, false);
        return done || Warn(logger, "SslStream's security context is not an OpenSSL SSL handle");
    }

    /// <summary>For tests: the bytes allocated to the read and the write BIO's buffers (BUF_MEM.max), or null.</summary>
    internal static unsafe (long Read, long Write)? BioBufferSizes(SslStream tls) =>
        LibSsl.WithSsl<(long, long)?>(tls, static (native, handle) =>
        {
            long Max(nint bio)
            {
                if (bio == 0 || native.BioMethodType(bio) != BioTypeMem) return -1;
                nint bufMem = 0;
                native.BioCtrl(bio, BioCGetBufMemPtr, 0, (nint)(&bufMem));
                return bufMem == 0 ? -1 : (long)((nuint*)bufMem)[2]; // struct buf_mem_st { size_t length; char *data; size_t max; ... }
            }
            return (Max(native.SslGetRbio(handle)), Max(native.SslGetWbio(handle)));
        }, null);

    /// <summary>Gives an empty memory BIO a fresh, unallocated buffer; the old one is freed.</summary>
    private static unsafe void ShrinkIfEmpty(LibSsl.Api native, nint bio)
    {
        if (bio == 0 || native.BioMethodType(bio) != BioTypeMem || native.BioCtrl(bio, BioCtrlPending, 0, 0) != 0) return;
        var fresh = native.BufMemNew();
        if (fresh != 0) native.BioCtrl(bio, BioCSetBufMem, BioClose, fresh);
    }

    private static bool Warn(ILogger logger, string why)
    {
        if (Interlocked.Exchange(ref _warned, 1) == 0)
            logger.LogWarning("TLS connections keep their OpenSSL record buffers while idle: {Reason}", why);
        return false;
    }
}
