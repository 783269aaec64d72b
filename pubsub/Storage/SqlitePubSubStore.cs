using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Xmpp.Common.PubSub;
using Xmpp.Common.Stanzas;

namespace Xmpp.PubSub.Storage;

/// <summary>
/// The node engine's storage in the service's own SQLite file (<see cref="PubSubSchema"/>): nodes
/// (configuration as JSON), items (serialized payloads, newest last by row number), affiliations
/// and subscriptions. One open connection used only from the service's single handler, so no
/// locking; operations of several statements run in a transaction, so kill -9 leaves none half done.
/// </summary>
public sealed class SqlitePubSubStore : IPubSubStore, IPubSubSubscriptionStore, IDisposable
{
    private static readonly JsonSerializerOptions Json = new();
    private readonly SqliteConnection _db;
    private SqliteTransaction? _tx;

    public SqlitePubSubStore(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        _db.Open();
        PubSubSchema.Apply(_db);
    }

    public NodeConfig? GetNode(string service, string node) =>
        Scalar<string>("SELECT config FROM nodes WHERE service = $s AND node = $n", ("$s", service), ("$n", node)) is { } json
            ? JsonSerializer.Deserialize<NodeConfig>(json, Json) : null;

    public IReadOnlyList<string> Nodes(string service) =>
        Query("SELECT node FROM nodes WHERE service = $s ORDER BY node", r => r.GetString(0), ("$s", service));

    public void PutNode(string service, string node, NodeConfig config) =>
        Execute("""
            INSERT INTO nodes (service, node, config) VALUES ($s, $n, $c)
            ON CONFLICT (service, node) DO UPDATE SET config = excluded.config
            """, ("$s", service), ("$n", node), ("$c", JsonSerializer.Serialize(config, Json)));

    public void PutOwnedNode(string service, string node, NodeConfig config, string owner) => InTransaction(() =>
    {
        PutNode(service, node, config);
        SetAffiliation(service, node, owner, Affiliation.Owner);
        return true;
    });

    public bool DeleteNode(string service, string node) => InTransaction(() =>
    {
        foreach (var table in new[] { "items", "affiliations", "subscriptions" })
            Execute($"DELETE FROM {table} WHERE service = $s AND node = $n", ("$s", service), ("$n", node));
        return Execute("DELETE FROM nodes WHERE service = $s AND node = $n", ("$s", service), ("$n", node)) > 0;
    });

    public void PutItem(string service, string node, PubSubItem item, int keep) => InTransaction(() =>
    {
        var payload = Encoding.UTF8.GetString(StanzaCodec.ToBytes(item.Payload));
        RetractItem(service, node, item.Id); // a new row: the replaced item becomes the newest
        Execute("""
            INSERT INTO items (service, node, id, publisher, published, payload, bytes) VALUES ($s, $n, $i, $p, $t, $x, $b)
            """, ("$s", service), ("$n", node), ("$i", item.Id), ("$p", item.Publisher),
            ("$t", item.Published.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)), ("$x", payload), ("$b", (long)Encoding.UTF8.GetByteCount(payload)));
        Execute("""
            DELETE FROM items WHERE service = $s AND node = $n AND seq NOT IN
                (SELECT seq FROM items WHERE service = $s AND node = $n ORDER BY seq DESC LIMIT $k)
            """, ("$s", service), ("$n", node), ("$k", (long)keep));
        return true;
    });

    public IReadOnlyList<PubSubItem> Items(string service, string node, int? max = null, IReadOnlyCollection<string>? ids = null)
    {
        var rows = Query("""
            SELECT id, publisher, published, payload FROM items WHERE service = $s AND node = $n ORDER BY seq DESC LIMIT $m
            """, r => new PubSubItem(r.GetString(0), StanzaCodec.Parse(Encoding.UTF8.GetBytes(r.GetString(3))), r.GetString(1),
                DateTimeOffset.Parse(r.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)),
            ("$s", service), ("$n", node), ("$m", ids is null && max is { } m ? (long)m : -1L));
        var selected = ids is null ? rows : rows.Where(i => ids.Contains(i.Id)).ToList();
        return Enumerable.Reverse(selected).ToList();
    }

    public bool RetractItem(string service, string node, string id) =>
        Execute("DELETE FROM items WHERE service = $s AND node = $n AND id = $i", ("$s", service), ("$n", node), ("$i", id)) > 0;

    public (int Count, bool HasId) ItemCount(string service, string node, string id) =>
        Query("SELECT COUNT(*), COALESCE(SUM(id = $i), 0) FROM items WHERE service = $s AND node = $n",
            r => (r.GetInt32(0), r.GetInt64(1) > 0), ("$s", service), ("$n", node), ("$i", id)).Single();

    public void Purge(string service, string node) =>
        Execute("DELETE FROM items WHERE service = $s AND node = $n", ("$s", service), ("$n", node));

    /// <summary>Kept by triggers on the items table, so no publish sums the whole table.</summary>
    public long PayloadBytes(string service) =>
        Scalar<long?>("SELECT total FROM payload_bytes WHERE service = $s", ("$s", service)) ?? 0;

    public Affiliation GetAffiliation(string service, string node, string jid) =>
        PubSubNames.ParseAffiliation(Scalar<string>("SELECT affiliation FROM affiliations WHERE service = $s AND node = $n AND jid = $j",
            ("$s", service), ("$n", node), ("$j", jid))) ?? Affiliation.None;

    public IReadOnlyDictionary<string, Affiliation> Affiliations(string service, string node) =>
        Query("SELECT jid, affiliation FROM affiliations WHERE service = $s AND node = $n ORDER BY jid",
                r => (r.GetString(0), PubSubNames.ParseAffiliation(r.GetString(1)) ?? Affiliation.None), ("$s", service), ("$n", node))
            .ToDictionary(a => a.Item1, a => a.Item2, StringComparer.Ordinal);

    public void SetAffiliation(string service, string node, string jid, Affiliation affiliation)
    {
        if (affiliation == Affiliation.None)
            Execute("DELETE FROM affiliations WHERE service = $s AND node = $n AND jid = $j", ("$s", service), ("$n", node), ("$j", jid));
        else
            Execute("""
                INSERT INTO affiliations (service, node, jid, affiliation) VALUES ($s, $n, $j, $a)
                ON CONFLICT (service, node, jid) DO UPDATE SET affiliation = excluded.affiliation
                """, ("$s", service), ("$n", node), ("$j", jid), ("$a", affiliation.Name()));
    }

    public IReadOnlyList<(string Node, Affiliation Affiliation)> AffiliationsOf(string service, string bareJid) =>
        Query("SELECT node, affiliation FROM affiliations WHERE service = $s AND jid = $j ORDER BY node",
            r => (r.GetString(0), PubSubNames.ParseAffiliation(r.GetString(1)) ?? Affiliation.None), ("$s", service), ("$j", bareJid));

    public PubSubSubscription? GetSubscription(string service, string node, string jid) =>
        Query("SELECT node, jid, deliver FROM subscriptions WHERE service = $s AND node = $n AND jid = $j", ReadSubscription,
            ("$s", service), ("$n", node), ("$j", jid)).SingleOrDefault();

    public void PutSubscription(string service, PubSubSubscription subscription) =>
        Execute("""
            INSERT INTO subscriptions (service, node, jid, bare, deliver) VALUES ($s, $n, $j, $b, $d)
            ON CONFLICT (service, node, jid) DO UPDATE SET deliver = excluded.deliver
            """, ("$s", service), ("$n", subscription.Node), ("$j", subscription.Jid),
            ("$b", subscription.Jid.Split('/', 2)[0]), ("$d", subscription.Deliver ? 1L : 0L));

    public bool DeleteSubscription(string service, string node, string jid) =>
        Execute("DELETE FROM subscriptions WHERE service = $s AND node = $n AND jid = $j", ("$s", service), ("$n", node), ("$j", jid)) > 0;

    public IReadOnlyList<PubSubSubscription> Subscriptions(string service, string node) =>
        Query("SELECT node, jid, deliver FROM subscriptions WHERE service = $s AND node = $n ORDER BY jid", ReadSubscription, ("$s", service), ("$n", node));

    public IReadOnlyList<PubSubSubscription> SubscriptionsOf(string service, string bareJid) =>
        Query("SELECT node, jid, deliver FROM subscriptions WHERE service = $s AND bare = $b ORDER BY node, jid", ReadSubscription, ("$s", service), ("$b", bareJid));

    private static PubSubSubscription ReadSubscription(SqliteDataReader r) => new(r.GetString(0), r.GetString(1), r.GetInt64(2) != 0);

    private T InTransaction<T>(Func<T> work)
    {
        if (_tx is not null) return work();
        _tx = _db.BeginTransaction();
        try
        {
            var result = work();
            _tx.Commit();
            return result;
        }
        finally
        {
            _tx.Dispose();
            _tx = null;
        }
    }

    private SqliteCommand Command(string sql, (string Name, object Value)[] parameters)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = _tx;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        return cmd;
    }

    private int Execute(string sql, params (string, object)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        return cmd.ExecuteNonQuery();
    }

    private T? Scalar<T>(string sql, params (string, object)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        var value = cmd.ExecuteScalar();
        if (value is null or DBNull) return default;
        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
    }

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string, object)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        using var reader = cmd.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(read(reader));
        return rows;
    }

    public void Dispose()
    {
        _tx?.Dispose();
        _db.Dispose();
    }
}
