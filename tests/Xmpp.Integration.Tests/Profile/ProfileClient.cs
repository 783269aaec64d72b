using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;

namespace Xmpp.Integration.Tests.Profile;

/// <summary>Helpers of the profile tests (vCard, private storage, blocking, CSI) on top of <see cref="TestClient"/>.</summary>
public static class ProfileClient
{
    public const string VCardNs = "vcard-temp";
    public const string PrivateNs = "jabber:iq:private";
    public const string BlockingNs = "urn:xmpp:blocking";

    /// <summary>Sends an iq (its payload XML, 'to' when given) and returns the answer.</summary>
    public static async Task<XElement> IqAsync(this TestClient c, string type, string payloadXml, string? to = null)
    {
        var id = c.NewId("iq");
        var toAttr = to is null ? "" : $" to='{to}'";
        await c.SendAsync($"<iq type='{type}' id='{id}'{toAttr}>{payloadXml}</iq>");
        return await c.ExpectAsync(s => s.IsIq() && s.Attr("id") == id && s.Attr("type") is "result" or "error", what: $"the answer to iq '{id}'");
    }

    /// <summary>
    /// Proves a negative, as ImClient.AssertNothingAsync does (the sender's ping, then the receiver's:
    /// sm handles and sends in order), counting only what the receiver got after its first
    /// <paramref name="since"/> stanzas.
    /// </summary>
    public static async Task AssertNothingSinceAsync(TestClient sender, TestClient receiver, int since, Func<XElement, bool> unexpected, string what)
    {
        await sender.PingServerAsync();
        if (receiver != sender) await receiver.PingServerAsync();
        var got = receiver.History.Skip(since).Where(unexpected).ToArray();
        Assert.True(got.Length == 0, $"{receiver.Name} should not have received {what}, but got: {string.Join(" ", got.Select(g => g.Text()))}");
    }

    public static void AssertResult(this XElement iq) =>
        Assert.True(iq.Attr("type") == "result", $"expected a result, got {iq.Text()}");

    public static void AssertError(this XElement stanza, string condition) =>
        Assert.True(stanza.Attr("type") == "error" && stanza.ErrorCondition() == condition, $"expected <{condition}/>, got {stanza.Text()}");
}
