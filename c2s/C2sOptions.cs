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

    /// <summary>Failed SASL attempts allowed on one stream before it is closed with &lt;policy-violation/&gt;.</summary>
    public int MaxAuthFailures { get; set; } = 3;

    /// <summary>Stanzas queued for one slow client before its stream is closed with &lt;policy-violation/&gt;.</summary>
    public int MaxOutboundQueue { get; set; } = 10_000;

    /// <summary>Time given to a TLS handshake.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(20);
}
