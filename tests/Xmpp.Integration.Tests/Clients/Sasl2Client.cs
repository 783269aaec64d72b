using System.Security;
using System.Text;
using System.Xml.Linq;
using Xmpp.Common.Sasl;

namespace Xmpp.Integration.Tests.Clients;

/// <summary>What a SASL2 login ended with: &lt;success/&gt; (and the stream features after it) or &lt;failure/&gt;.</summary>
public sealed record Sasl2Result(XElement Answer, XElement? Features, IReadOnlyList<XElement> Continues)
{
    public const string Ns = "urn:xmpp:sasl:2";
    public bool Success => Answer.Name.LocalName == "success";
    public string? AuthorizationIdentifier => Answer.Element(XName.Get("authorization-identifier", Ns))?.Value.Trim();
    public XElement? Bound => Answer.Element(XName.Get("bound", "urn:xmpp:bind:0"));

    /// <summary>The RFC 6120 §6.5 condition of a &lt;failure/&gt;.</summary>
    public string? Condition => Answer.Elements().FirstOrDefault(e => e.Name.NamespaceName == "urn:ietf:params:xml:ns:xmpp-sasl")?.Name.LocalName;
}

/// <summary>
/// The client side of XEP-0388 SASL2 (with XEP-0386 Bind 2 and XEP-0480 SCRAM upgrade tasks),
/// written from the XEPs' examples: no client packaged in Debian speaks SASL2 (python3-slixmpp
/// 1.8.3 does not), so the integration tests bring their own. Runs on a <see cref="TestClient"/>
/// after STARTTLS.
/// </summary>
public static class Sasl2Client
{
    private const string Ns = Sasl2Result.Ns;

    /// <param name="bind">The inner XML of a Bind 2 request (e.g. "&lt;tag&gt;App&lt;/tag&gt;"); null: no bind.</param>
    /// <param name="upgrades">XEP-0480 tasks to ask for ("UPGR-SCRAM-SHA-256").</param>
    /// <param name="abortAfterChallenge">Send &lt;abort/&gt; instead of the response to the first challenge.</param>
    /// <param name="extraXml">More children of &lt;authenticate/&gt;, as XML.</param>
    public static async Task<Sasl2Result> Sasl2AuthenticateAsync(this TestClient client, string local, string password, string mechanism = "SCRAM-SHA-256",
        string? bind = null, string? userAgentId = null, IEnumerable<string>? upgrades = null, (string Flag, byte[]? Data)? channelBinding = null,
        bool abortAfterChallenge = false, string? extraXml = null)
    {
        ScramClient? scram = null;
        ScramAlgorithm? algorithm = null;
        byte[] initial;
        if (mechanism == "PLAIN")
        {
            initial = Encoding.UTF8.GetBytes($"\0{local}\0{password}");
        }
        else
        {
            algorithm = ScramAlgorithm.ByMechanism(mechanism.EndsWith("-PLUS", StringComparison.Ordinal) ? mechanism[..^5] : mechanism)!;
            scram = new ScramClient(algorithm, local, password);
            if (channelBinding is { } cb) scram.WithChannelBinding(cb.Flag, cb.Data);
            initial = Encoding.UTF8.GetBytes(scram.ClientFirst());
        }

        var sb = new StringBuilder($"<authenticate xmlns='{Ns}' mechanism='{mechanism}'>");
        foreach (var u in upgrades ?? []) sb.Append($"<upgrade xmlns='urn:xmpp:sasl:upgrade:0'>{u}</upgrade>");
        sb.Append($"<initial-response>{Convert.ToBase64String(initial)}</initial-response>");
        if (userAgentId is not null)
            sb.Append($"<user-agent id='{SecurityElement.Escape(userAgentId)}'><software>IntegrationTests</software><device>{SecurityElement.Escape(client.Name)}</device></user-agent>");
        if (bind is not null) sb.Append($"<bind xmlns='urn:xmpp:bind:0'>{bind}</bind>");
        if (extraXml is not null) sb.Append(extraXml); // another XEP's inline elements (XEP-0484 <request-token/>)
        await client.SendAsync(sb.Append("</authenticate>").ToString());

        List<XElement> continues = [];
        var verified = scram is null;
        while (true)
        {
            var answer = await client.ExpectAsync(e => e.Name.NamespaceName == Ns && e.Name.LocalName is "challenge" or "success" or "failure" or "continue" or "task-data",
                TestClient.DefaultTimeout, "a SASL2 <challenge/>, <continue/>, <task-data/>, <success/> or <failure/>");
            switch (answer.Name.LocalName)
            {
                case "challenge" when abortAfterChallenge:
                    await client.SendAsync($"<abort xmlns='{Ns}'/>");
                    break;
                case "challenge":
                    var final = scram!.ClientFinal(Encoding.UTF8.GetString(Convert.FromBase64String(answer.Value.Trim())));
                    await client.SendAsync($"<response xmlns='{Ns}'>{Convert.ToBase64String(Encoding.UTF8.GetBytes(final))}</response>");
                    break;
                case "continue":
                    continues.Add(answer);
                    verified |= Verify(scram, answer, client);
                    var task = answer.Element(XName.Get("tasks", Ns))!.Element(XName.Get("task", Ns))!.Value.Trim();
                    await client.SendAsync($"<next xmlns='{Ns}' task='{task}'/>");
                    break;
                case "task-data":
                    // XEP-0480 §4: the SaltedPassword for the salt and count the server sent.
                    var salt = answer.Element(XName.Get("salt", "urn:xmpp:scram-upgrade:0"))!;
                    var target = ScramAlgorithm.ByMechanism(continues[^1].Descendants(XName.Get("task", Ns)).Single().Value.Trim()["UPGR-".Length..])!;
                    var salted = target.SaltedPassword(password, Convert.FromBase64String(salt.Value.Trim()), int.Parse((string)salt.Attribute("iterations")!));
                    await client.SendAsync($"<task-data xmlns='{Ns}'><hash xmlns='urn:xmpp:scram-upgrade:0'>{Convert.ToBase64String(salted)}</hash></task-data>");
                    break;
                case "success":
                    verified |= Verify(scram, answer, client);
                    if (!verified) throw new InvalidOperationException($"{client.Name}: SCRAM success without server-final-message{client.Context()}");
                    // XEP-0388: no stream restart; the features of the authenticated stream follow at once.
                    var features = await client.ExpectAsync(e => e.Name.LocalName == "features", TestClient.DefaultTimeout, "<stream:features/> after SASL2 <success/>");
                    return new Sasl2Result(answer, features, continues);
                default:
                    return new Sasl2Result(answer, null, continues);
            }
        }
    }

    /// <summary>Checks SCRAM's server-final-message in &lt;additional-data/&gt;, if there is one; true when verified.</summary>
    private static bool Verify(ScramClient? scram, XElement answer, TestClient client)
    {
        if (scram is null || answer.Element(XName.Get("additional-data", Ns)) is not { } data) return false;
        var serverFinal = Encoding.UTF8.GetString(Convert.FromBase64String(data.Value.Trim()));
        return scram.VerifyServerFinal(serverFinal) ? true
            : throw new InvalidOperationException($"{client.Name}: the server's SCRAM signature does not verify ({serverFinal}){client.Context()}");
    }
}
