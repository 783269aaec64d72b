using Xmpp.Common.Shards;

namespace Xmpp.Common.Tests.Shards;

public sealed class RendezvousTests
{
    private static readonly string[] Keys = Enumerable.Range(0, 20_000).Select(i => $"user{i}@example.org").ToArray();

    [Fact]
    public void No_shards_means_no_owner() => Assert.Null(Rendezvous.Owner("alice@example.org", []));

    [Fact]
    public void The_owner_does_not_depend_on_the_order_of_the_set()
    {
        string[] a = ["s1", "s2", "s3"], b = ["s3", "s1", "s2"];
        foreach (var key in Keys.Take(1000)) Assert.Equal(Rendezvous.Owner(key, a), Rendezvous.Owner(key, b));
    }

    [Fact]
    public void Removing_a_shard_moves_only_its_keys()
    {
        string[] all = ["s1", "s2", "s3", "s4"], without = ["s1", "s2", "s4"];
        var moved = 0;
        foreach (var key in Keys)
        {
            var before = Rendezvous.Owner(key, all);
            var after = Rendezvous.Owner(key, without);
            if (before == "s3") { Assert.NotEqual("s3", after); moved++; }
            else Assert.Equal(before, after);
        }
        Assert.InRange(moved, Keys.Length / 4 * 8 / 10, Keys.Length / 4 * 12 / 10);
    }

    [Fact]
    public void Adding_a_shard_takes_only_keys_it_now_owns()
    {
        string[] before = ["s1", "s2"], after = ["s1", "s2", "s3"];
        var taken = 0;
        foreach (var key in Keys)
        {
            var owner = Rendezvous.Owner(key, after);
            if (owner == "s3") taken++;
            else Assert.Equal(Rendezvous.Owner(key, before), owner);
        }
        Assert.InRange(taken, Keys.Length / 3 * 8 / 10, Keys.Length / 3 * 12 / 10);
    }

    [Fact]
    public void Keys_spread_roughly_evenly()
    {
        string[] shards = ["sm-0", "sm-1", "sm-2", "sm-3", "sm-4"];
        var counts = Keys.GroupBy(k => Rendezvous.Owner(k, shards)!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(shards.Length, counts.Count);
        foreach (var count in counts.Values) Assert.InRange(count, Keys.Length / 5 * 9 / 10, Keys.Length / 5 * 11 / 10);
    }

    [Fact]
    public void Shard_addresses_parse()
    {
        Assert.True(SmShardAddress.TryParse("sm/example.org#sm-1", out var domain, out var shard));
        Assert.Equal(("sm/example.org", "sm-1"), (domain, shard));
        Assert.False(SmShardAddress.TryParse("sm/example.org", out _, out _));
        Assert.False(SmShardAddress.TryParse("sm/example.org#", out _, out _));
        Assert.False(SmShardAddress.TryParse("c2s/x#y", out _, out _));
        Assert.Equal("sm/example.org", SmShardAddress.Of("example.org", null));
        Assert.Equal("sm/example.org#a", SmShardAddress.Of("example.org", "a"));
        Assert.False(SmShardAddress.IsValidName("a/b"));
    }
}
