using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>Issue #2, judged by 5 and 11: resource binding and resource conflicts.</summary>
public sealed class ResourceTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task A_client_chosen_resource_is_honoured()
    {
        var alice = await Cluster.NewUserAsync("alice");
        var client = await LoginAsync(alice, C2s1, "my laptop");
        Assert.Equal($"{alice.Jid}/my laptop", client.Jid);
    }

    [Fact]
    public async Task Without_a_resource_the_server_generates_one()
    {
        var alice = await Cluster.NewUserAsync("alice");
        var first = await LoginAsync(alice, C2s1, resource: null);
        var second = await LoginAsync(alice, C2s2, resource: null);

        Assert.StartsWith($"{alice.Jid}/", first.Jid);
        Assert.True(first.Jid.Length > alice.Jid.Length + 1, $"empty resource in {first.Jid}");
        Assert.StartsWith($"{alice.Jid}/", second.Jid);
        Assert.NotEqual(first.Jid, second.Jid);

        // both sessions are live: each receives what is sent to its full JID
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s1, "b");
        await bob.SendAsync($"<message to='{first.Jid}' type='chat'><body>to first</body></message>");
        await bob.SendAsync($"<message to='{second.Jid}' type='chat'><body>to second</body></message>");
        await first.ExpectAsync(s => s.IsMessage() && s.Body() == "to first");
        await second.ExpectAsync(s => s.IsMessage() && s.Body() == "to second");
    }

    [Fact]
    public async Task Logging_in_again_with_the_same_resource_ends_the_old_stream_with_conflict()
    {
        var aliceAccount = await Cluster.NewUserAsync("alice");
        var oldAlice = await LoginAsync(aliceAccount, C2s1, "phone");
        var newAlice = await LoginAsync(aliceAccount, C2s2, "phone");
        Assert.Equal(oldAlice.Jid, newAlice.Jid);

        // the old stream: <stream:error><conflict/></stream:error>, then it closes
        await oldAlice.ExpectStreamErrorAsync("conflict");
        await oldAlice.ExpectClosedAsync();

        // the new session works
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s1, "b");
        await bob.SendAsync($"<message to='{newAlice.Jid}' type='chat'><body>are you the new one?</body></message>");
        var message = await newAlice.ExpectAsync(s => s.IsMessage() && s.Body() == "are you the new one?");
        Assert.Equal(bob.Jid, message.Attr("from"));
    }
}
