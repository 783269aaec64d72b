namespace Xmpp.PubSub;

/// <summary>
/// Settings of the pubsub service, section "PubSub" (env <c>PubSub__Key</c>, command line
/// <c>--PubSub:Key=value</c>). The domain it serves and the server it belongs to are the
/// "Component" section (Component:Domain, Component:ServerDomain).
/// </summary>
public sealed class PubSubOptions
{
    public const string Section = "PubSub";

    /// <summary>Where the service's SQLite file (pubsub.db) lives.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Items a node keeps at most (a node's max_items, and what "max" means).</summary>
    public int MaxItemsPerNode { get; set; } = 256;

    /// <summary>max_items of a new node unless its creator configures another.</summary>
    public int DefaultMaxItems { get; set; } = 10;

    /// <summary>Bytes of one item's payload (serialized XML); larger: &lt;not-acceptable/&gt; + &lt;payload-too-big/&gt;.</summary>
    public int MaxItemBytes { get; set; } = 65_536;

    /// <summary>Nodes one JID may own (create); one more: &lt;not-allowed/&gt; + &lt;max-nodes-exceeded/&gt;.</summary>
    public int MaxNodesPerUser { get; set; } = 100;

    /// <summary>Nodes on the service in all; one more: &lt;resource-constraint/&gt;.</summary>
    public int MaxNodes { get; set; } = 10_000;

    /// <summary>Bytes of stored payloads on the service in all; a publish beyond: &lt;resource-constraint/&gt;.</summary>
    public long MaxStoredBytes { get; set; } = 1L << 30;

    /// <summary>Subscriptions per node; one more: &lt;resource-constraint/&gt;.</summary>
    public int MaxSubscriptionsPerNode { get; set; } = 10_000;

    /// <summary>Bytes of items in one items answer: beyond it the newest items that fit are returned with an XEP-0059 &lt;set/&gt; giving the count.</summary>
    public int MaxResultBytes { get; set; } = 1_048_576;

    /// <summary>Only users of the server's own domain (Component:ServerDomain) may create nodes; false: any JID. Others get &lt;forbidden/&gt;.</summary>
    public bool LocalCreatorsOnly { get; set; } = true;
}
