using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>Issue #2, judged by 3: wrong passwords and unknown users are not-authorized, whatever the mechanism.</summary>
public sealed class AuthenticationTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-1")]
    [InlineData("PLAIN")]
    public async Task A_wrong_password_gets_not_authorized(string mechanism)
    {
        var alice = await Cluster.NewUserAsync("alice");
        var client = await ConnectAsync(C2s1, "alice");
        await client.OpenStreamAsync();
        await client.StartTlsAsync();

        var result = await client.AuthenticateAsync(alice.Local, alice.Password + "-wrong", mechanism);

        Assert.False(result.Success, $"{mechanism} with a wrong password succeeded");
        Assert.Equal("not-authorized", result.Condition);
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("PLAIN")]
    public async Task An_unknown_user_gets_not_authorized(string mechanism)
    {
        var nobody = Cluster.UnknownUser("nobody");
        var client = await ConnectAsync(C2s1, "nobody");
        await client.OpenStreamAsync();
        await client.StartTlsAsync();

        var result = await client.AuthenticateAsync(nobody.Local, nobody.Password, mechanism);

        Assert.False(result.Success, $"{mechanism} as an unknown user succeeded");
        Assert.Equal("not-authorized", result.Condition);
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-1")]
    [InlineData("PLAIN")]
    public async Task The_right_password_logs_in(string mechanism)
    {
        var alice = await Cluster.NewUserAsync("alice");
        var client = await LoginAsync(alice, C2s2, "r", mechanism);
        Assert.Equal($"{alice.Jid}/r", client.Jid);
    }
}
