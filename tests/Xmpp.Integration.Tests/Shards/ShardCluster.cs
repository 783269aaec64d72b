using Xmpp.Common.Shards;
using Xmpp.Integration.Tests.Harness;

namespace Xmpp.Integration.Tests.Shards;

/// <summary>Three sm shards (sm-1, sm-2, sm-3) and two c2s, and accounts placed on the shard a test wants.</summary>
public static class ShardCluster
{
    public static readonly string[] Shards = ["sm-1", "sm-2", "sm-3"];

    public static Task<Cluster> StartAsync() => Cluster.StartAsync(new ClusterOptions { SmShards = Shards.Length });

    /// <summary>
    /// Creates an account named like <paramref name="name"/> whose owner, by rendezvous hashing over
    /// <paramref name="live"/> (all three shards unless given), is <paramref name="shard"/>.
    /// </summary>
    public static async Task<Account> NewUserOnAsync(this Cluster cluster, string name, string shard, IReadOnlyCollection<string>? live = null)
    {
        for (var i = 0; ; i++)
        {
            var local = $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];
            if (Rendezvous.Owner($"{local}@{Cluster.Domain}", live ?? Shards) != shard) continue;
            var account = new Account(local, $"pw-{Guid.NewGuid():N}"[..15]);
            var result = await cluster.CtlAsync("adduser", account.Jid, account.Password);
            if (result.ExitCode != 0) throw new InvalidOperationException($"xmppctl adduser {account.Jid} failed: {result}\n{cluster.OutputTail()}");
            return account;
        }
    }
}
