namespace Xmpp.C2s.Connections.ProxyProtocol;

/// <summary>The "C2s:ProxyProtocol" section: PROXY protocol v2 from load balancers.</summary>
public sealed class ProxyProtocolOptions
{
    /// <summary>
    /// IP addresses and CIDR networks (e.g. "10.0.0.5", "172.30.0.0/24") of the load balancers whose
    /// connections must start with a PROXY protocol v2 header; its source address then counts as
    /// the client's. Empty (default): the protocol is off and every connection's address is its peer's.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>Time a trusted proxy has to send the whole header after connecting.</summary>
    public TimeSpan HeaderTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest header accepted (16 fixed bytes, the addresses and any TLVs).</summary>
    public int MaxHeaderBytes { get; set; } = 4096;
}
