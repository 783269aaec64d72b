using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using Xmpp.Common.PubSub;
using Xmpp.PubSub.Storage;

namespace Xmpp.PubSub.Tests;

/// <summary>The service's SQLite store: what it keeps survives reopening, items are trimmed newest-last, byte totals follow.</summary>
public sealed class StoreTests : IDisposable
{
    private const string S = "pubsub.localhost";
    private readonly string _path = Path.Combine(Path.GetTempPath(), "pubsub-store-" + Guid.NewGuid().ToString("N")[..12], "pubsub.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true); } catch (IOException) { }
    }

    private static PubSubItem Item(string id, string text) =>
        new(id, new XElement((XNamespace)"urn:example" + "p", text), "alice@localhost", new DateTimeOffset(2026, 12, 7, 4, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Nodes_items_affiliations_and_subscriptions_are_there_after_reopening()
    {
        using (var store = new SqlitePubSubStore(_path))
        {
            store.PutNode(S, "news", new NodeConfig { Title = "News", AccessModel = AccessModel.Open, MaxItems = 5 });
            store.SetAffiliation(S, "news", "alice@localhost", Affiliation.Owner);
            store.PutItem(S, "news", Item("a", "first"), keep: 5);
            store.PutSubscription(S, new PubSubSubscription("news", "bob@localhost/phone", Deliver: false));
        }
        using var again = new SqlitePubSubStore(_path);
        var config = again.GetNode(S, "news")!;
        Assert.Equal(("News", AccessModel.Open, 5), (config.Title, config.AccessModel, config.MaxItems));
        Assert.Equal(Affiliation.Owner, again.GetAffiliation(S, "news", "alice@localhost"));
        var item = Assert.Single(again.Items(S, "news"));
        Assert.Equal(("a", "first", "alice@localhost"), (item.Id, item.Payload.Value, item.Publisher));
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 4, 0, 0, TimeSpan.Zero), item.Published);
        Assert.Equal([new PubSubSubscription("news", "bob@localhost/phone", false)], again.SubscriptionsOf(S, "bob@localhost"));
        Assert.Equal([("news", Affiliation.Owner)], again.AffiliationsOf(S, "alice@localhost"));
    }

    [Fact]
    public void A_node_keeps_its_newest_items_a_republished_id_becomes_newest_and_the_byte_total_follows()
    {
        using var store = new SqlitePubSubStore(_path);
        store.PutNode(S, "n", new NodeConfig());
        foreach (var id in new[] { "1", "2", "3" }) store.PutItem(S, "n", Item(id, "xx"), keep: 2);
        Assert.Equal(["2", "3"], store.Items(S, "n").Select(i => i.Id));
        store.PutItem(S, "n", Item("2", "yy"), keep: 2);
        Assert.Equal(["3", "2"], store.Items(S, "n").Select(i => i.Id));
        Assert.Equal(["2"], store.Items(S, "n", max: 1).Select(i => i.Id));
        Assert.Equal(["3"], store.Items(S, "n", ids: ["3", "9"]).Select(i => i.Id));

        var two = store.PayloadBytes(S);
        Assert.True(two > 0);
        Assert.True(store.RetractItem(S, "n", "3"));
        Assert.Equal(two / 2, store.PayloadBytes(S));
        store.Purge(S, "n");
        Assert.Equal(0, store.PayloadBytes(S));
    }

    [Fact]
    public void Deleting_a_node_takes_its_items_affiliations_and_subscriptions()
    {
        using var store = new SqlitePubSubStore(_path);
        store.PutNode(S, "n", new NodeConfig());
        store.PutItem(S, "n", Item("1", "x"), keep: 5);
        store.SetAffiliation(S, "n", "alice@localhost", Affiliation.Owner);
        store.PutSubscription(S, new PubSubSubscription("n", "bob@localhost"));
        Assert.True(store.DeleteNode(S, "n"));
        Assert.False(store.DeleteNode(S, "n"));
        store.PutNode(S, "n", new NodeConfig());
        Assert.Empty(store.Items(S, "n"));
        Assert.Empty(store.Affiliations(S, "n"));
        Assert.Empty(store.Subscriptions(S, "n"));
        Assert.Equal(0, store.PayloadBytes(S));
    }

    [Fact]
    public void A_database_from_a_newer_release_is_refused()
    {
        using (var store = new SqlitePubSubStore(_path)) { }
        using (var db = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = $"PRAGMA user_version = {PubSubSchema.Version + 1}";
            cmd.ExecuteNonQuery();
        }
        var e = Assert.Throws<InvalidOperationException>(() => new SqlitePubSubStore(_path));
        Assert.Contains("newer", e.Message);
    }
}
