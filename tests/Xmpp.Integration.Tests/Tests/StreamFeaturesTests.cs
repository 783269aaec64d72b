using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>Issue #2, judged by 4: PLAIN is never offered or accepted before TLS.</summary>
public sealed class StreamFeaturesTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task Plain_is_offered_only_after_starttls()
    {
        var client = await ConnectAsync(C2s1, "client");

        var beforeTls = await client.OpenStreamAsync();
        Assert.True(beforeTls.Child(Ns.Tls, "starttls") is not null, $"no <starttls/> offered: {beforeTls.Text()}");
        Assert.DoesNotContain("PLAIN", beforeTls.Mechanisms());

        var afterTls = await client.StartTlsAsync();
        Assert.Contains("PLAIN", afterTls.Mechanisms());
        Assert.Contains("SCRAM-SHA-1", afterTls.Mechanisms());
        Assert.Contains("SCRAM-SHA-256", afterTls.Mechanisms());
        Assert.True(afterTls.Child(Ns.Tls, "starttls") is null, $"<starttls/> offered again inside TLS: {afterTls.Text()}");
    }

    [Fact]
    public async Task Plain_authentication_before_tls_is_refused()
    {
        var alice = await Cluster.NewUserAsync("alice");
        var client = await ConnectAsync(C2s1, "alice");
        await client.OpenStreamAsync();

        var plain = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"\0{alice.Local}\0{alice.Password}"));
        await client.SendAsync($"<auth xmlns='{Ns.Sasl}' mechanism='PLAIN'>{plain}</auth>");

        // A SASL <failure/> (encryption-required, invalid-mechanism ...) or a stream error; never <success/>.
        var answer = await client.ExpectAsync(e =>
            (e.Name.NamespaceName == Ns.Sasl && e.Name.LocalName is "success" or "failure") || e.Name == XName.Get("error", Ns.Stream));
        Assert.NotEqual("success", answer.Name.LocalName);
        Output.WriteLine($"refused with {answer.Text()}");
    }
}
