using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.AccountServices;

/// <summary>XEP-0077 off (the default, the shared cluster): the query gets an iq error, and the stream goes on.</summary>
public sealed class RegistrationOffTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task Registration_off_answers_service_unavailable_and_the_same_stream_then_logs_in()
    {
        var account = await Cluster.NewUserAsync("reg-off");
        var client = await ConnectAsync(C2s1, "reg-off");
        var plainFeatures = await client.OpenStreamAsync();

        // Before TLS and after it, get and set: each an iq error, never a stream error.
        var beforeTls = await client.IqAsync("get", $"<query xmlns='{AccountRequests.Register}'/>", to: null);
        var features = await client.StartTlsAsync();
        var get = await client.IqAsync("get", $"<query xmlns='{AccountRequests.Register}'/>", to: null);
        var set = await client.RegisterAsync("someone-new", "secret");

        Assert.Null(plainFeatures.Element(XName.Get("register", "http://jabber.org/features/iq-register")));
        Assert.Null(features.Element(XName.Get("register", "http://jabber.org/features/iq-register")));
        foreach (var answer in new[] { beforeTls, get, set })
        {
            Assert.Equal("error", answer.Attr("type"));
            Assert.Equal("service-unavailable", answer.ErrorCondition());
        }

        var auth = await client.AuthenticateAsync(account.Jid, account.Password);
        Assert.True(auth.Success, auth.Answer.Text());
        var jid = await client.BindAsync("after-register-query");
        Assert.Equal($"{account.Jid}/after-register-query", jid);
        Assert.Equal("result", (await client.PingServerAsync()).Attr("type"));
        var users = await Cluster.CtlAsync("users");
        Assert.DoesNotContain("someone-new@localhost", users.Stdout);
    }
}
