using System.Globalization;
using System.Security;
using System.Xml.Linq;
using Xmpp.Common.Sasl;

namespace Xmpp.Integration.Tests.Clients;

/// <summary>A FAST token as the server gave it in SASL2's &lt;success/&gt; (XEP-0484 §3.3).</summary>
public sealed record FastToken(string Token, DateTimeOffset Expiry)
{
    public const string Ns = "urn:xmpp:fast:0";

    /// <summary>The &lt;token xmlns='urn:xmpp:fast:0'/&gt; of a success, if any.</summary>
    public static FastToken? Of(Sasl2Result result) =>
        result.Answer.Element(XName.Get("token", Ns)) is { } token
            ? new FastToken((string)token.Attribute("token")!, DateTimeOffset.Parse((string)token.Attribute("expiry")!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal))
            : null;
}

/// <summary>
/// The client side of XEP-0484 FAST over SASL2, written from the XEP's examples and
/// draft-schmaus-kitten-sasl-ht: no client packaged in Debian speaks FAST (python3-slixmpp 1.8.3
/// does not), so the integration tests bring their own. A token is requested with
/// &lt;request-token/&gt; on a password login (<see cref="RequestTokenAsync"/>) and used with an
/// HT-SHA-256-* mechanism in one round trip (<see cref="FastAuthenticateAsync"/>).
/// </summary>
public static class FastClient
{
    private const string Sasl2Ns = Sasl2Result.Ns;

    /// <summary>The FAST mechanisms the server lists inline in SASL2's feature.</summary>
    public static IReadOnlyList<string> FastMechanisms(this XElement features) =>
        features.Element(XName.Get("authentication", Sasl2Ns))?.Element(XName.Get("inline", Sasl2Ns))?.Element(XName.Get("fast", FastToken.Ns))
            ?.Elements(XName.Get("mechanism", FastToken.Ns)).Select(m => m.Value.Trim()).ToArray() ?? [];

    /// <summary>A SASL2 password login asking for a token for <paramref name="fastMechanism"/> (XEP-0484 §3.2).</summary>
    public static Task<Sasl2Result> RequestTokenAsync(this TestClient client, string local, string password, string fastMechanism, string userAgentId,
        string? bind = null, string mechanism = "SCRAM-SHA-256") =>
        client.Sasl2AuthenticateAsync(local, password, mechanism, bind: bind, userAgentId: userAgentId,
            extraXml: $"<request-token xmlns='{FastToken.Ns}' mechanism='{fastMechanism}'/>");

    /// <summary>
    /// XEP-0484 §3.4: &lt;authenticate mechanism='HT-SHA-256-*'&gt; with the initial response
    /// <c>authcid NUL HMAC-SHA-256(token, "Initiator" || cb-data)</c> and &lt;fast/&gt;. The server's
    /// answer must come at once (&lt;success/&gt; or &lt;failure/&gt;, never a challenge: one round
    /// trip); a success's additional-data must be HMAC(token, "Responder" || cb-data) (mutual authentication).
    /// </summary>
    /// <param name="channelBinding">The client's channel binding data for the mechanism (empty for -NONE).</param>
    /// <param name="fastAttributes">Attributes of &lt;fast/&gt;, as XML (" invalidate='true'", " count='3'").</param>
    public static async Task<Sasl2Result> FastAuthenticateAsync(this TestClient client, string local, string token, string mechanism, string userAgentId,
        byte[]? channelBinding = null, string? bind = null, string fastAttributes = "", string? extraXml = null)
    {
        channelBinding ??= [];
        var initial = HtToken.InitialResponse(local, token, channelBinding);
        await client.SendAsync($"<authenticate xmlns='{Sasl2Ns}' mechanism='{mechanism}'>" +
            $"<initial-response>{Convert.ToBase64String(initial)}</initial-response>" +
            $"<user-agent id='{SecurityElement.Escape(userAgentId)}'><software>IntegrationTests</software><device>{SecurityElement.Escape(client.Name)}</device></user-agent>" +
            (bind is null ? "" : $"<bind xmlns='urn:xmpp:bind:0'>{bind}</bind>") +
            $"<fast xmlns='{FastToken.Ns}'{fastAttributes}/>" + (extraXml ?? "") +
            "</authenticate>");
        var answer = await client.ExpectAsync(e => e.Name.NamespaceName == Sasl2Ns, TestClient.DefaultTimeout, "the SASL2 answer to a FAST authenticate");
        if (answer.Name.LocalName == "failure") return new Sasl2Result(answer, null, []);
        if (answer.Name.LocalName != "success")
            throw new InvalidOperationException($"{client.Name}: FAST is one round trip, but the server sent <{answer.Name.LocalName}/>{client.Context()}");
        var data = answer.Element(XName.Get("additional-data", Sasl2Ns))?.Value.Trim()
            ?? throw new InvalidOperationException($"{client.Name}: FAST success without the server's HMAC{client.Context()}");
        if (!HtToken.Matches(HtToken.Responder(HtToken.Key(token), channelBinding), Convert.FromBase64String(data)))
            throw new InvalidOperationException($"{client.Name}: the server's Responder HMAC does not verify{client.Context()}");
        var features = await client.ExpectAsync(e => e.Name.LocalName == "features", TestClient.DefaultTimeout, "<stream:features/> after SASL2 <success/>");
        return new Sasl2Result(answer, features, []);
    }
}
