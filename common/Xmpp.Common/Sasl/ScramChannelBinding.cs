namespace Xmpp.Common.Sasl;

/// <summary>
/// What a SCRAM server knows about channel binding on one connection (RFC 5802 §6, RFC 5929,
/// RFC 9266): whether it offered the -PLUS mechanisms on this stream, and the channel binding
/// types it can check with the data it computed from its own side of the TLS connection.
/// </summary>
public sealed class ScramChannelBinding
{
    /// <summary>No TLS, or channel binding switched off: no -PLUS offered, no type supported.</summary>
    public static readonly ScramChannelBinding None = new(new Dictionary<string, byte[]>());

    private readonly IReadOnlyDictionary<string, byte[]> _data;

    /// <param name="data">The supported types (e.g. "tls-server-end-point") with their channel binding data.</param>
    public ScramChannelBinding(IReadOnlyDictionary<string, byte[]> data) => _data = data;

    /// <summary>Whether the server offers the -PLUS mechanisms: it does when it supports at least one type.</summary>
    public bool Offered => _data.Count > 0;

    /// <summary>The supported types, in the server's order of preference (XEP-0440's list).</summary>
    public IEnumerable<string> Types => _data.Keys;

    /// <summary>The channel binding data of <paramref name="type"/>; null when this connection does not support it.</summary>
    public byte[]? DataOf(string type) => _data.TryGetValue(type, out var data) ? data : null;
}
