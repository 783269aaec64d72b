using Xmpp.C2s.Connections.ProxyProtocol;
using Xmpp.C2s.Limits;

namespace Xmpp.C2s;

/// <summary>A c2s frontend's settings, bound from the "C2s" configuration section. Every limit has a default.</summary>
public sealed class C2sOptions
{
    /// <summary>This frontend's name; it binds the router address c2s/&lt;InstanceId&gt;, so each instance needs its own.</summary>
    public string InstanceId { get; set; } = "c2s-1";

    /// <summary>The XMPP domain served; streams to another 'to' get &lt;host-unknown/&gt;.</summary>
    public string Domain { get; set; } = "localhost";

    public string ListenAddress { get; set; } = "0.0.0.0";
    public int Port { get; set; } = 5222;

    /// <summary>
    /// Port for direct TLS (XEP-0368: TLS from the first byte, ALPN "xmpp-client", no STARTTLS),
    /// on ListenAddress beside Port; unset (the default) opens none; 5223 is the customary port.
    /// 0 picks a free port. The per-address limits and PROXY protocol apply as on Port.
    /// </summary>
    public int? DirectTlsPort { get; set; }

    /// <summary>
    /// When true (default), TLS streams offer SCRAM-SHA-256-PLUS and SCRAM-SHA-1-PLUS with the
    /// channel bindings c2s can check (tls-server-end-point; tls-unique on TLS 1.2), advertised
    /// with XEP-0440. Turn off only where TLS does not end at c2s.
    /// </summary>
    public bool ChannelBinding { get; set; } = true;

    /// <summary>PKCS#12 file with the TLS certificate and key; when empty a self-signed certificate for Domain is generated at start.</summary>
    public string? CertificatePath { get; set; }
    public string? CertificatePassword { get; set; }

    /// <summary>When true (default) SASL is only possible after STARTTLS.</summary>
    public bool RequireTls { get; set; } = true;

    /// <summary>Largest stanza accepted from a client, in bytes (beyond: &lt;policy-violation/&gt;).</summary>
    public int MaxStanzaBytes { get; set; } = 256 * 1024;

    /// <summary>Deepest element nesting accepted in a stanza.</summary>
    public int MaxStanzaDepth { get; set; } = 32;

    /// <summary>Connections the kernel queues for accepting (listen backlog).</summary>
    public int ListenBacklog { get; set; } = 512;

    /// <summary>Most client connections open at once on this frontend; beyond, a new connection is closed at once.</summary>
    public long MaxConnections { get; set; } = 50_000;

    /// <summary>Time a connection has to authenticate and bind before &lt;connection-timeout/&gt;.</summary>
    public TimeSpan LoginTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Time a connection has to authenticate (SASL success) before &lt;connection-timeout/&gt;; the
    /// unauthenticated-stream limit. LoginTimeout still bounds connect-to-bound as a whole.
    /// </summary>
    public TimeSpan AuthTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Per-address connection limits (the "C2s:Limits" section).</summary>
    public ConnectionLimitOptions Limits { get; set; } = new();

    /// <summary>PROXY protocol v2 from trusted load balancers (the "C2s:ProxyProtocol" section).</summary>
    public ProxyProtocolOptions ProxyProtocol { get; set; } = new();

    /// <summary>XEP-0077 in-band registration (the "C2s:Registration" section); off by default.</summary>
    public Xmpp.C2s.Registration.RegistrationOptions Registration { get; set; } = new();

    /// <summary>Failed SASL attempts allowed on one stream before it is closed with &lt;policy-violation/&gt;.</summary>
    public int MaxAuthFailures { get; set; } = 3;

    /// <summary>Failed SASL attempts (wrong credentials, aborts) from one client address before its failures are answered late.</summary>
    public int AuthIpFreeFailures { get; set; } = 10;

    /// <summary>How long the first failure beyond the free ones is held back; doubles with each further failure.</summary>
    public TimeSpan AuthIpBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest a failure answer is held back.</summary>
    public TimeSpan AuthIpMaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An address with no failure for this long starts counting from zero again.</summary>
    public TimeSpan AuthIpForgetAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Client addresses whose failures are remembered at once (the least recently failed are forgotten first).</summary>
    public int AuthIpMaxTracked { get; set; } = 100_000;

    /// <summary>Stanzas queued for one slow client before its stream is closed with &lt;policy-violation/&gt; (a second bound beside <see cref="MaxOutboundBytes"/>).</summary>
    public int MaxOutboundQueue { get; set; } = 10_000;

    /// <summary>
    /// Bytes waiting for one client (queued or being written) beyond which its stream is closed
    /// with &lt;policy-violation/&gt;; the stanzas from sm not yet written go back to sm, which
    /// stores the messages offline.
    /// </summary>
    public long MaxOutboundBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// After c2s ends a stream (a stream error or its own &lt;/stream:stream&gt;): how long it waits
    /// for its output to be written, and then for the client's closing tag, before closing the
    /// TCP connection (RFC 6120 §4.4).
    /// </summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Time given to a TLS handshake.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// When true (default), TLS streams offer XEP-0388 SASL2 beside RFC 6120 SASL, with XEP-0386
    /// Bind 2 inline and XEP-0480 SCRAM upgrade tasks (the same mechanisms and limits as SASL).
    /// </summary>
    public bool Sasl2 { get; set; } = true;

    /// <summary>
    /// When true (default) and SASL2 is offered, XEP-0484 FAST is advertised inline: HT-SHA-256-*
    /// token logins (the channel-bound variants this connection supports, and -NONE) and token
    /// requests. sm issues, stores and checks the tokens (Sm:Fast).
    /// </summary>
    public bool Fast { get; set; } = true;

    /// <summary>XEP-0352 client state indication (the "C2s:Csi" section).</summary>
    public Protocol.CsiOptions Csi { get; set; } = new();

    /// <summary>What a stopping c2s does with its clients (the "C2s:Shutdown" section).</summary>
    public ShutdownOptions Shutdown { get; set; } = new();

    /// <summary>XEP-0198 stream management (the "C2s:StreamManagement" section).</summary>
    public Protocol.StreamManagementOptions StreamManagement { get; set; } = new();

    /// <summary>The TLS implementation (the "C2s:Tls" section: Stack = BouncyCastle, the default, or SslStream).</summary>
    public Tls.TlsOptions Tls { get; set; } = new();

    /// <summary>
    /// How long a client's session waits for the session manager (sm restarting, or a router
    /// outage that found sm without the session) before its stream is closed with
    /// &lt;internal-server-error/&gt;. Meanwhile the client stays connected and its stanzas wait.
    /// </summary>
    public TimeSpan SmGracePeriod { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Bytes of a client's stanzas that may wait for the session manager; past it they are answered with &lt;resource-constraint/&gt;.</summary>
    public long HeldStanzaBytes { get; set; } = 256 * 1024;

    /// <summary>Largest available presence c2s remembers to replay when it re-attaches a session on a new sm (a larger one is not replayed).</summary>
    public int MaxRememberedPresenceBytes { get; set; } = 16 * 1024;

    /// <summary>The host's shutdown timeout: the most a stop (SIGTERM) takes; client streams still open then are cut.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
