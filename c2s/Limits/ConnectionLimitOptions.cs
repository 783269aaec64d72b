namespace Xmpp.C2s.Limits;

/// <summary>
/// The "C2s:Limits" section: per-address limits on new and open client connections, applied to the
/// client's address (the PROXY header's source when the connection comes from a trusted proxy).
/// 0 turns a limit off.
/// </summary>
public sealed class ConnectionLimitOptions
{
    /// <summary>New connections per second one address may open, on average (token bucket refill rate).</summary>
    public double ConnectionsPerIpPerSecond { get; set; } = 10;

    /// <summary>New connections one address may open at once before the per-second rate applies (bucket size).</summary>
    public int ConnectionBurstPerIp { get; set; } = 20;

    /// <summary>Connections one address may have open at once.</summary>
    public int MaxConnectionsPerIp { get; set; } = 50;

    /// <summary>IPv6 addresses count together per network of this prefix length (one subscriber usually holds a /64).</summary>
    public int Ipv6PrefixLength { get; set; } = 64;

    /// <summary>Addresses whose counts are kept at once (idle ones are forgotten); beyond, a new address is refused until some are.</summary>
    public int MaxTrackedAddresses { get; set; } = 100_000;

    /// <summary>How long a refused connection is kept, after its stream error was sent, for the client to read it and close first.</summary>
    public TimeSpan RefusalLinger { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Refused connections kept lingering at once; beyond, a refused connection is closed at once without a stream error.</summary>
    public int MaxLingeringRefusals { get; set; } = 1000;

    /// <summary>At most one warning per this interval about refused connections (each refusal is counted).</summary>
    public TimeSpan RefusalLogInterval { get; set; } = TimeSpan.FromSeconds(10);

    public ConnectionLimits ToLimits() =>
        new(ConnectionsPerIpPerSecond, Math.Max(1, ConnectionBurstPerIp), MaxConnectionsPerIp, MaxTrackedAddresses, Ipv6PrefixLength);
}
