using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Muc;

/// <summary>
/// Issue 21: a groupchat message is one trace, from the sender's c2s through sm and muc to every
/// occupant's c2s. Its own cluster exporting over OTLP to a receiver in the test.
/// </summary>
public sealed class MucTracingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_groupchat_message_is_one_trace_from_the_senders_c2s_through_sm_and_muc_to_both_receivers_c2s()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var cluster = await Cluster.StartAsync(new ClusterOptions { Muc = true, Environment = receiver.ExporterEnvironment });
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 60);
        var alice = await clients.LoginAsync(await cluster.NewUserAsync("alice"), cluster.C2s1Port, "phone");
        var bob = await clients.LoginAsync(await cluster.NewUserAsync("bob"), cluster.C2s2Port, "laptop");
        var carol = await clients.LoginAsync(await cluster.NewUserAsync("carol"), cluster.C2s1Port, "desk");
        var room = "traced@" + Cluster.MucDomain;
        await alice.CreateInstantRoomAsync(room, "alice");
        await bob.JoinAsync(room, "bob");
        await carol.JoinAsync(room, "carol");

        var sentAt = DateTime.UtcNow.AddMilliseconds(-5);
        await alice.SayAsync(room, "one trace");
        await bob.ExpectGroupchatAsync(room, "one trace");
        await carol.ExpectGroupchatAsync(room, "one trace");

        var spans = await receiver.WaitForAsync(r =>
        {
            var receive = r.Spans.LastOrDefault(s => s.Name == "stanza receive" && s.Instance == "c2s/c2s-1" && s.Start >= sentAt &&
                                                     s["xmpp.stanza.type"] as string == "groupchat");
            if (receive is null) return null;
            var trace = r.Spans.Where(s => s.TraceId == receive.TraceId).ToArray();
            // bob's delivery on c2s-2, alice's own copy and carol's on c2s-1; and every span of the trace
            // hangs off another span of it (no hop started a trace of its own, none lost its parent)
            var ids = trace.Select(s => s.SpanId).ToHashSet();
            return trace.Count(s => s.Name == "stanza deliver" && s.Instance == "c2s/c2s-2") >= 1 &&
                   trace.Count(s => s.Name == "stanza deliver" && s.Instance == "c2s/c2s-1") >= 2 &&
                   trace.Any(s => s.Service == "xmpp-muc") &&
                   trace.All(s => s == receive || ids.Contains(s.ParentSpanId)) ? trace : null;
        }, TimeSpan.FromSeconds(30), "the groupchat message's trace through muc to both c2s, every span's parent in it");
        foreach (var span in spans) output.WriteLine(span.ToString());

        var root = spans.Single(s => s.Name == "stanza receive" && s.Instance == "c2s/c2s-1" && s["xmpp.stanza.type"] as string == "groupchat");
        Assert.Equal("", root.ParentSpanId);
        Assert.Contains(spans, s => s.Service == "xmpp-sm");
        var muc = spans.Single(s => s.Service == "xmpp-muc" && s.Name == "component stanza handle");
        Assert.Equal($"muc/{Cluster.MucDomain}", muc.Instance);
    }
}
