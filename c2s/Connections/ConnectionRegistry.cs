using System.Collections.Concurrent;

namespace Xmpp.C2s.Connections;

/// <summary>The open client connections of this frontend, by c2s session id.</summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, ClientConnection> _byId = new(StringComparer.Ordinal);
    private long _next;

    public string NextId() => Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Add(ClientConnection connection) => _byId[connection.Id] = connection;
    public void Remove(ClientConnection connection) => _byId.TryRemove(new KeyValuePair<string, ClientConnection>(connection.Id, connection));
    public ClientConnection? Find(string id) => _byId.GetValueOrDefault(id);
    public ICollection<ClientConnection> All => _byId.Values;
    public int Count => _byId.Count;

    /// <summary>Walks the connections without copying them (a connection added or removed meanwhile may or may not be seen).</summary>
    public IEnumerable<ClientConnection> Enumerate()
    {
        foreach (var entry in _byId) yield return entry.Value;
    }
}
