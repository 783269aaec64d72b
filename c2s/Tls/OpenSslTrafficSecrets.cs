using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Security.Cryptography;

namespace Xmpp.C2s.Tls;

/// <summary>
/// Follows each TLS 1.3 connection OpenSSL serves for us closely enough to take its record
/// protection over later (<see cref="Tls13RecordStream"/>): the application traffic secrets (from
/// OpenSSL's key log callback, kept in memory, never written anywhere) and, per direction, how many
/// records have been protected with the current key and how many KeyUpdates there were (from its
/// message callback: record headers, Finished and KeyUpdate messages). The figures live in a small
/// native block attached to the SSL object (ex_data) and freed with it.
/// <para>The callbacks are set on .NET's OpenSSL context, which .NET creates at the first handshake
/// and shares between connections: they are installed after a handshake (c2s makes one with itself
/// before accepting clients, <see cref="ServerTls.WarmUpAsync"/>) and serve the connections that
/// start after it. A connection without complete figures is simply never taken over.</para>
/// </summary>
internal static unsafe class OpenSslTrafficSecrets
{
    private const int CryptoExIndexSsl = 0;       // CRYPTO_EX_INDEX_SSL
    private const int RecordHeader = 0x100;       // SSL3_RT_HEADER (msg callback content type)
    private const int HandshakeRecord = 22;       // SSL3_RT_HANDSHAKE
    private const byte ClientHello = 1, Finished = 20, KeyUpdate = 24;
    private const int MaxSecret = 64;

    [Flags]
    private enum Seen
    {
        ClientHello = 1,
        ReadFinished = 2,
        WriteFinished = 4,
        ClientSecret = 8,
        ServerSecret = 16,
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct State
    {
        public ulong ReadSequence;
        public ulong WriteSequence;
        public int ReadUpdates;
        public int WriteUpdates;
        public Seen Seen;
        public int KeyUpdateOwed;
        public int ClientSecretLength;
        public int ServerSecretLength;
        public fixed byte ClientSecret[MaxSecret];
        public fixed byte ServerSecret[MaxSecret];
    }

    private static readonly Lock InstallLock = new();
    private static int _exIndex = -1;

    /// <summary>Installs the callbacks on the context of <paramref name="tls"/>'s connection, unless they are there.</summary>
    public static void Install(SslStream tls)
    {
        if (LibSsl.Unavailable is not null) return;
        LibSsl.WithSsl(tls, static (native, ssl) =>
        {
            var ctx = native.SslGetSslCtx(ssl);
            if (ctx == 0) return false;
            lock (InstallLock)
            {
                if (_exIndex < 0)
                {
                    _exIndex = native.CryptoGetExNewIndex(CryptoExIndexSsl, 0, 0, 0, 0, (nint)(delegate* unmanaged<nint, nint, nint, int, nint, nint, void>)&OnFree);
                    if (_exIndex < 0) return false;
                }
                // Ours already there: done (asking the context, not a list of contexts, stays right
                // when .NET frees one and a new one gets its address). Another key log callback is
                // .NET's SSLKEYLOGFILE debugging aid: leave it, and these connections.
                var keyLog = (nint)(delegate* unmanaged<nint, byte*, void>)&OnKeyLog;
                var existing = native.SslCtxGetKeylogCallback(ctx);
                if (existing == keyLog) return true;
                if (existing != 0) return false;
                native.SslCtxSetKeylogCallback(ctx, keyLog);
                native.SslCtxSetMsgCallback(ctx, (nint)(delegate* unmanaged<int, int, int, byte*, nuint, nint, nint, void>)&OnMessage);
            }
            return true;
        }, false);
    }

    /// <summary>Whether <paramref name="tls"/>'s record protection can be taken over: TLS 1.3, a suite we have, complete figures.</summary>
    public static bool CanTakeOver(SslStream tls) =>
        tls.SslProtocol == SslProtocols.Tls13 && Tls13CipherSuite.For(tls.NegotiatedCipherSuite) is { } suite
        && LibSsl.WithSsl(tls, (native, ssl) => Complete(StateOf(native, ssl), suite), false);

    /// <summary>
    /// A record layer that continues <paramref name="tls"/>'s record protection exactly where
    /// OpenSSL is, over <paramref name="transport"/>, or null. Call only when no record is being
    /// read or written through the stream.
    /// </summary>
    public static Tls13RecordStream? Take(SslStream tls, Stream transport)
    {
        if (tls.SslProtocol != SslProtocols.Tls13 || Tls13CipherSuite.For(tls.NegotiatedCipherSuite) is not { } suite) return null;
        return LibSsl.WithSsl(tls, (native, ssl) =>
        {
            var state = StateOf(native, ssl);
            if (!Complete(state, suite)) return null;
            // The server reads what the client protects and writes with its own secret.
            var read = Secret(new ReadOnlySpan<byte>(state->ClientSecret, state->ClientSecretLength), state->ReadUpdates, suite);
            var write = Secret(new ReadOnlySpan<byte>(state->ServerSecret, state->ServerSecretLength), state->WriteUpdates, suite);
            return new Tls13RecordStream(transport, new Tls13RecordKey(suite, read, state->ReadSequence),
                new Tls13RecordKey(suite, write, state->WriteSequence), keyUpdateOwed: state->KeyUpdateOwed != 0);
        }, (Tls13RecordStream?)null);
    }

    private static byte[] Secret(ReadOnlySpan<byte> initial, int updates, Tls13CipherSuite suite)
    {
        var secret = initial.ToArray();
        for (var i = 0; i < updates; i++)
        {
            var next = suite.NextSecret(secret);
            CryptographicOperations.ZeroMemory(secret);
            secret = next;
        }
        return secret;
    }

    private static bool Complete(State* state, Tls13CipherSuite suite) =>
        state is not null
        && (state->Seen & (Seen.ClientHello | Seen.ReadFinished | Seen.WriteFinished | Seen.ClientSecret | Seen.ServerSecret))
            == (Seen.ClientHello | Seen.ReadFinished | Seen.WriteFinished | Seen.ClientSecret | Seen.ServerSecret)
        && state->ClientSecretLength == suite.HashLength && state->ServerSecretLength == suite.HashLength;

    private static State* StateOf(LibSsl.Api native, nint ssl) =>
        _exIndex < 0 ? null : (State*)native.SslGetExData(ssl, _exIndex);

    // OpenSSL calls these on the thread of the SSL call at hand; they must not throw.

    [UnmanagedCallersOnly]
    private static void OnMessage(int writing, int version, int contentType, byte* buffer, nuint length, nint ssl, nint arg)
    {
        var native = LibSsl.Functions;
        if (native is null || _exIndex < 0 || length == 0) return;
        var state = StateOf(native, ssl);
        if (contentType == HandshakeRecord && writing == 0 && buffer[0] == ClientHello)
        {
            // A handshake begins (or restarts after a HelloRetryRequest): fresh figures.
            if (state is null)
            {
                state = (State*)NativeMemory.AllocZeroed((nuint)sizeof(State));
                if (native.SslSetExData(ssl, _exIndex, (nint)state) == 0)
                {
                    NativeMemory.Free(state);
                    return;
                }
            }
            else
            {
                Unsafe.InitBlockUnaligned(state, 0, (uint)sizeof(State));
            }
            state->Seen = Seen.ClientHello;
            return;
        }
        if (state is null) return;
        if (contentType == RecordHeader)
        {
            // Every protected TLS 1.3 record has the outer type application_data.
            if (buffer[0] != Tls13RecordKey.ApplicationData) return;
            if (writing != 0) state->WriteSequence++;
            else state->ReadSequence++;
            return;
        }
        if (contentType != HandshakeRecord) return;
        // A direction's keys change after its Finished (application keys) and after each KeyUpdate;
        // the message is reported after its own record's header, so counting restarts at zero here.
        switch (buffer[0])
        {
            case Finished when writing != 0:
                state->WriteSequence = 0;
                state->WriteUpdates = 0;
                state->Seen |= Seen.WriteFinished;
                break;
            case Finished:
                state->ReadSequence = 0;
                state->ReadUpdates = 0;
                state->Seen |= Seen.ReadFinished;
                break;
            case KeyUpdate when writing != 0:
                state->WriteSequence = 0;
                state->WriteUpdates++;
                state->KeyUpdateOwed = 0;
                break;
            case KeyUpdate:
                state->ReadSequence = 0;
                state->ReadUpdates++;
                // update_requested: OpenSSL answers with its own KeyUpdate before its next record.
                if (length >= 5 && buffer[4] == 1) state->KeyUpdateOwed = 1;
                break;
        }
    }

    [UnmanagedCallersOnly]
    private static void OnKeyLog(nint ssl, byte* line)
    {
        var native = LibSsl.Functions;
        if (native is null || _exIndex < 0 || line is null) return;
        var state = StateOf(native, ssl);
        if (state is null) return;
        // "<LABEL> <client random, hex> <secret, hex>" (NSS key log format)
        var text = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(line);
        var first = text.IndexOf((byte)' ');
        if (first < 0) return;
        var label = text[..first];
        var rest = text[(first + 1)..];
        var second = rest.IndexOf((byte)' ');
        if (second < 0) return;
        var hex = rest[(second + 1)..];
        if (hex.Length > 2 * MaxSecret || hex.Length % 2 != 0) return;
        byte* target;
        int* targetLength;
        Seen flag;
        if (label.SequenceEqual("CLIENT_TRAFFIC_SECRET_0"u8))
        {
            target = state->ClientSecret;
            targetLength = &state->ClientSecretLength;
            flag = Seen.ClientSecret;
        }
        else if (label.SequenceEqual("SERVER_TRAFFIC_SECRET_0"u8))
        {
            target = state->ServerSecret;
            targetLength = &state->ServerSecretLength;
            flag = Seen.ServerSecret;
        }
        else
        {
            return;
        }
        var secret = new Span<byte>(target, MaxSecret);
        for (var i = 0; i < hex.Length / 2; i++)
        {
            var hi = HexValue(hex[2 * i]);
            var lo = HexValue(hex[2 * i + 1]);
            if (hi < 0 || lo < 0) return;
            secret[i] = (byte)(hi << 4 | lo);
        }
        *targetLength = hex.Length / 2;
        state->Seen |= flag;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>ex_data free function: the SSL object is being freed.</summary>
    [UnmanagedCallersOnly]
    private static void OnFree(nint parent, nint pointer, nint exData, int index, nint argl, nint argp)
    {
        if (pointer == 0) return;
        Unsafe.InitBlockUnaligned((void*)pointer, 0, (uint)sizeof(State));
        NativeMemory.Free((void*)pointer);
    }
}
