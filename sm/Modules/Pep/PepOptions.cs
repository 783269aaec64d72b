namespace Xmpp.Sm.Modules.Pep;

/// <summary>Settings of XEP-0163 PEP, section "Sm:Pep" (env <c>Sm__Pep__Key</c>).</summary>
public sealed class PepOptions
{
    public const string Section = "Pep";

    /// <summary>Items a node keeps at most ("max" in a node's configuration means this many).</summary>
    public int MaxItemsPerNode { get; set; } = 256;

    /// <summary>Bytes of one item's payload (serialized XML); a larger one is refused with not-acceptable/payload-too-big.</summary>
    public int MaxItemBytes { get; set; } = 262_144;

    /// <summary>Nodes per account; one more is refused with resource-constraint.</summary>
    public int MaxNodesPerAccount { get; set; } = 256;

    /// <summary>
    /// Bytes of items sent at once: in one items answer (beyond it the newest items that fit are
    /// returned with an XEP-0059 &lt;set/&gt; giving the total count), and in the last items a resource
    /// gets when its caps start asking (the rest is not sent, logged and counted). Keep it well below C2s:MaxOutboundBytes.
    /// </summary>
    public int MaxResultBytes { get; set; } = 1_048_576;

    /// <summary>Bytes of stored payloads per account; a publish beyond it is refused with resource-constraint.</summary>
    public long MaxBytesPerAccount { get; set; } = 16_777_216;
}
