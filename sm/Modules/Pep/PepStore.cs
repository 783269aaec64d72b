using System.Globalization;
using System.Text;
using System.Text.Json;
using Xmpp.Common.PubSub;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Modules.Pep;

/// <summary>
/// The node engine's storage on sm's database (tables pep_nodes, pep_items, pep_affiliations of
/// <see cref="PepModule.Schema"/>): the service is the owner's bare JID; a node's configuration is
/// JSON, an item's payload its serialized XML; items are ordered by their row number (newest last).
/// </summary>
public sealed class PepStore(IModuleStore db) : IPubSubStore
{
    private static readonly JsonSerializerOptions Json = new();

    public NodeConfig? GetNode(string service, string node)
    {
        var json = db.Scalar<string>("SELECT config FROM pep_nodes WHERE owner = $o AND node = $n", ("$o", service), ("$n", node));
        return json is null ? null : JsonSerializer.Deserialize<NodeConfig>(json, Json);
    }

    public IReadOnlyList<string> Nodes(string service) =>
        db.Query("SELECT node FROM pep_nodes WHERE owner = $o ORDER BY node", r => r.GetString(0), ("$o", service));

    public void PutNode(string service, string node, NodeConfig config) =>
        db.Execute("""
            INSERT INTO pep_nodes (owner, node, config) VALUES ($o, $n, $c)
            ON CONFLICT (owner, node) DO UPDATE SET config = excluded.config
            """, ("$o", service), ("$n", node), ("$c", JsonSerializer.Serialize(config, Json)));

    public bool DeleteNode(string service, string node)
    {
        db.Execute("DELETE FROM pep_items WHERE owner = $o AND node = $n", ("$o", service), ("$n", node));
        db.Execute("DELETE FROM pep_affiliations WHERE owner = $o AND node = $n", ("$o", service), ("$n", node));
        return db.Execute("DELETE FROM pep_nodes WHERE owner = $o AND node = $n", ("$o", service), ("$n", node)) > 0;
    }

    public void PutItem(string service, string node, PubSubItem item, int keep)
    {
        RetractItem(service, node, item.Id); // a new row: the replaced item becomes the newest
        db.Execute("""
            INSERT INTO pep_items (owner, node, id, publisher, published, payload) VALUES ($o, $n, $i, $p, $t, $x)
            """, ("$o", service), ("$n", node), ("$i", item.Id), ("$p", item.Publisher), ("$t", item.Published),
            ("$x", Encoding.UTF8.GetString(StanzaCodec.ToBytes(item.Payload))));
        db.Execute("""
            DELETE FROM pep_items WHERE owner = $o AND node = $n AND seq NOT IN
                (SELECT seq FROM pep_items WHERE owner = $o AND node = $n ORDER BY seq DESC LIMIT $k)
            """, ("$o", service), ("$n", node), ("$k", (long)keep));
    }

    public IReadOnlyList<PubSubItem> Items(string service, string node, int? max = null, IReadOnlyCollection<string>? ids = null)
    {
        var limited = ids is null && max is not null;
        var rows = db.Query($"""
            SELECT id, publisher, published, payload FROM pep_items WHERE owner = $o AND node = $n ORDER BY seq DESC {(limited ? "LIMIT $m" : "")}
            """, r => new PubSubItem(r.GetString(0), StanzaCodec.Parse(Encoding.UTF8.GetBytes(r.GetString(3))), r.GetString(1),
                DateTimeOffset.Parse(r.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)),
            limited ? [("$o", service), ("$n", node), ("$m", (long)max!.Value)] : [("$o", service), ("$n", node)]);
        var selected = ids is null ? rows : rows.Where(i => ids.Contains(i.Id)).ToList();
        return selected.Reverse().ToList();
    }

    public bool RetractItem(string service, string node, string id) =>
        db.Execute("DELETE FROM pep_items WHERE owner = $o AND node = $n AND id = $i", ("$o", service), ("$n", node), ("$i", id)) > 0;

    public (int Count, bool HasId) ItemCount(string service, string node, string id) =>
        db.Query("SELECT COUNT(*), COALESCE(SUM(CASE WHEN id = $i THEN 1 ELSE 0 END), 0) FROM pep_items WHERE owner = $o AND node = $n",
            r => (r.GetInt32(0), r.GetInt64(1) > 0), ("$o", service), ("$n", node), ("$i", id)).Single();

    public void Purge(string service, string node) =>
        db.Execute("DELETE FROM pep_items WHERE owner = $o AND node = $n", ("$o", service), ("$n", node));

    public long PayloadBytes(string service) =>
        db.Scalar<long>("SELECT COALESCE(SUM(octet_length(payload)), 0) FROM pep_items WHERE owner = $o", ("$o", service));

    public Affiliation GetAffiliation(string service, string node, string jid) =>
        PubSubNames.ParseAffiliation(db.Scalar<string>("SELECT affiliation FROM pep_affiliations WHERE owner = $o AND node = $n AND jid = $j",
            ("$o", service), ("$n", node), ("$j", jid))) ?? Affiliation.None;

    public IReadOnlyDictionary<string, Affiliation> Affiliations(string service, string node) =>
        db.Query("SELECT jid, affiliation FROM pep_affiliations WHERE owner = $o AND node = $n ORDER BY jid",
                r => (r.GetString(0), PubSubNames.ParseAffiliation(r.GetString(1)) ?? Affiliation.None), ("$o", service), ("$n", node))
            .ToDictionary(a => a.Item1, a => a.Item2, StringComparer.Ordinal);

    public void SetAffiliation(string service, string node, string jid, Affiliation affiliation)
    {
        if (affiliation == Affiliation.None)
            db.Execute("DELETE FROM pep_affiliations WHERE owner = $o AND node = $n AND jid = $j", ("$o", service), ("$n", node), ("$j", jid));
        else
            db.Execute("""
                INSERT INTO pep_affiliations (owner, node, jid, affiliation) VALUES ($o, $n, $j, $a)
                ON CONFLICT (owner, node, jid) DO UPDATE SET affiliation = excluded.affiliation
                """, ("$o", service), ("$n", node), ("$j", jid), ("$a", affiliation.Name()));
    }
}
