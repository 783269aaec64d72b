namespace Xmpp.Gateway;

/// <summary>
/// The XEP-0114 gateway's settings (section "Gateway"; env Gateway__Key). Every limit has a
/// default a careful operator would pick; README.md's configuration table lists them.
/// </summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Address the component port listens on; loopback unless the operator opens it.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The component port (XEP-0114's customary 5275; 0 picks a free one, logged at start).</summary>
    public int Port { get; set; } = 5275;

    /// <summary>The server's domain: stanzas from components go to sm/&lt;Domain&gt;.</summary>
    public string Domain { get; set; } = "localhost";

    /// <summary>Open component connections (attached or still in their handshake); one beyond it is closed at once (logged, counted).</summary>
    public int MaxConnections { get; set; } = 100;

    /// <summary>Largest stanza a component may send, in bytes (larger: &lt;policy-violation/&gt;).</summary>
    public int MaxStanzaBytes { get; set; } = 256 * 1024;

    /// <summary>Bytes that may wait to be written to one component before its stream is closed with &lt;policy-violation/&gt;.</summary>
    public long MaxOutboundBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>A component that sends nothing (not even whitespace) for this long is closed with &lt;connection-timeout/&gt;.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Time from the TCP connect to a completed handshake.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an attaching component waits for its domain to be bound on the router.</summary>
    public TimeSpan AttachTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Folder holding each component domain's link certificate and key as `xmppctl pki init
    /// --component &lt;domain&gt;` writes them (component-&lt;domain&gt;.crt/.key), unless a domain names its own files.
    /// </summary>
    public string? CertificateDirectory { get; set; }

    /// <summary>The components that may attach, by domain (Gateway:Components:conference.localhost:Secret).</summary>
    public Dictionary<string, ComponentOptions> Components { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One external component's settings.</summary>
public sealed class ComponentOptions
{
    /// <summary>The XEP-0114 shared secret. Never logged.</summary>
    public string? Secret { get; set; }

    /// <summary>Its router link certificate (role component, CN component/&lt;domain&gt;); default CertificateDirectory/component-&lt;domain&gt;.crt.</summary>
    public string? Certificate { get; set; }

    /// <summary>That certificate's key; default the certificate's path with .key.</summary>
    public string? CertificateKey { get; set; }

    public override string ToString() => $"ComponentOptions {{ Certificate = {Certificate} }}"; // never the secret
}
