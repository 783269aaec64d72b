namespace Xmpp.Common.Components;

/// <summary>
/// A service component's own settings (section "Component"; env Component__Domain=...): the domain it
/// serves and the server it belongs to. How it reaches the router (address, CA, its link certificate
/// component-&lt;domain&gt;.crt) is the "Router" section, as for every process.
/// </summary>
public sealed class ServiceComponentOptions
{
    public const string Section = "Component";

    /// <summary>The domain this service is bound to on the router, e.g. conference.localhost.</summary>
    public string Domain { get; set; } = "";

    /// <summary>The server's domain: the component's stanzas go to sm/&lt;ServerDomain&gt;, which delivers them to users.</summary>
    public string ServerDomain { get; set; } = "localhost";

    /// <summary>Stanzas from the router wait in a queue of at most this many bytes for the service to handle them; beyond it the sender gets &lt;resource-constraint/&gt;.</summary>
    public long MaxInboundQueueBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Largest stanza the service accepts from the router, in bytes (larger: &lt;policy-violation/&gt; to the sender).</summary>
    public int MaxStanzaBytes { get; set; } = 256 * 1024;
}
