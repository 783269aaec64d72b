using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;

namespace Xmpp.Integration.Tests.StreamManagement;

/// <summary>
/// The client side of XEP-0198 for tests, over a <see cref="TestClient"/>: enable, resume, and the
/// client's own count of the stanzas it handled since &lt;enabled/&gt; or &lt;resumed/&gt; (its h).
/// </summary>
public sealed class SmClient(TestClient client)
{
    public const string Ns = "urn:xmpp:sm:3";

    private XElement? _marker; // <enabled/> or <resumed/>: stanzas after it are counted
    private uint _base;

    public TestClient Client => client;

    /// <summary>The resumption id the server gave (&lt;enabled id/&gt;).</summary>
    public string? ResumeId { get; private set; }

    /// <summary>Connects, negotiates TLS and authenticates, without binding (for &lt;resume/&gt;).</summary>
    public static async Task<SmClient> AuthenticatedAsync(Cluster cluster, Account account, int port, string name)
    {
        var client = await TestClient.ConnectAsync(port, name, () => "\n" + cluster.OutputTail());
        await client.OpenStreamAsync();
        await client.StartTlsAsync();
        var auth = await client.AuthenticateAsync(account.Local, account.Password);
        if (!auth.Success) throw new InvalidOperationException($"{name}: authentication failed: {auth.Answer.Text()}");
        return new SmClient(client);
    }

    /// <summary>Sends &lt;enable/&gt; and returns the server's answer (&lt;enabled/&gt; or &lt;failed/&gt;).</summary>
    public async Task<XElement> EnableAsync(bool resume = true, int? max = null)
    {
        await client.SendAsync($"<enable xmlns='{Ns}'{(resume ? " resume='true'" : "")}{(max is { } m ? $" max='{m}'" : "")}/>");
        var answer = await client.ExpectAsync(e => e.Name.NamespaceName == Ns && e.Name.LocalName is "enabled" or "failed", what: "<enabled/> or <failed/>");
        if (answer.Name.LocalName == "enabled")
        {
            _marker = answer;
            _base = 0;
            ResumeId = answer.Attr("id");
        }
        return answer;
    }

    /// <summary>Sends &lt;resume previd h/&gt; and returns the answer (&lt;resumed/&gt; or &lt;failed/&gt;).</summary>
    public async Task<XElement> ResumeAsync(string previd, uint h)
    {
        await client.SendAsync($"<resume xmlns='{Ns}' previd='{previd}' h='{h}'/>");
        var answer = await client.ExpectAsync(e => e.Name.NamespaceName == Ns && e.Name.LocalName is "resumed" or "failed", what: "<resumed/> or <failed/>");
        if (answer.Name.LocalName == "resumed")
        {
            _marker = answer;
            _base = h;
            ResumeId = previd;
        }
        return answer;
    }

    /// <summary>
    /// XEP-0388/0386: a SASL2 &lt;success/&gt; that enabled stream management inside &lt;bound/&gt; or
    /// resumed (&lt;resumed/&gt;, the client sent <paramref name="h"/>); stanzas after it are counted.
    /// Returns the &lt;enabled/&gt;, &lt;resumed/&gt; or &lt;failed/&gt; it carries, or null.
    /// </summary>
    public XElement? OnSasl2Success(XElement success, uint h = 0)
    {
        var resumed = success.Element(XName.Get("resumed", Ns));
        var enabled = success.Element(XName.Get("bound", "urn:xmpp:bind:0"))?.Element(XName.Get("enabled", Ns));
        if (resumed is not null)
        {
            _marker = success;
            _base = h;
            ResumeId = resumed.Attr("previd");
            return resumed;
        }
        if (enabled is not null)
        {
            _marker = success;
            _base = 0;
            ResumeId = enabled.Attr("id");
            return enabled;
        }
        return success.Descendants(XName.Get("failed", Ns)).FirstOrDefault();
    }

    /// <summary>The client's h: stanzas (message, presence, iq) received since &lt;enabled/&gt; (or h at &lt;resumed/&gt; plus those since).</summary>
    public uint Handled
    {
        get
        {
            if (_marker is null) throw new InvalidOperationException("stream management is not enabled");
            var history = client.History;
            var at = -1;
            for (var i = 0; i < history.Count; i++)
                if (ReferenceEquals(history[i], _marker)) at = i;
            if (at < 0) throw new InvalidOperationException("the <enabled/> or <resumed/> element is not in the history");
            var count = history.Skip(at + 1).Count(e => e.Name.NamespaceName == Xmpp.Common.Ns.Client && e.Name.LocalName is "message" or "presence" or "iq");
            return unchecked(_base + (uint)count);
        }
    }

    /// <summary>Sends &lt;r/&gt; and returns the h of the server's &lt;a/&gt;.</summary>
    public async Task<uint> RequestAckAsync()
    {
        var before = client.History.Count;
        await client.SendAsync($"<r xmlns='{Ns}'/>");
        var a = await client.ExpectAsync(e => e.Name == XName.Get("a", Ns) && !client.History.Take(before).Contains(e), what: "<a h/>");
        return uint.Parse(a.Attr("h")!, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Acknowledges everything handled so far (&lt;a h/&gt;).</summary>
    public Task AckAsync() => client.SendAsync($"<a xmlns='{Ns}' h='{Handled}'/>");

    /// <summary>The bodies of the messages received with a body starting with <paramref name="prefix"/>, in order.</summary>
    public static IReadOnlyList<string> Bodies(TestClient c, string prefix) =>
        c.History.Where(e => e.IsMessage() && e.Body() is { } b && b.StartsWith(prefix, StringComparison.Ordinal)).Select(e => e.Body()!).ToArray();

    /// <summary>The stanza error condition inside &lt;failed/&gt;.</summary>
    public static string? FailedCondition(XElement failed) =>
        failed.Elements().FirstOrDefault(c => c.Name.NamespaceName == Xmpp.Common.Ns.Stanzas)?.Name.LocalName;
}
