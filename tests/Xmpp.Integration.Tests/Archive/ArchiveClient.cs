using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;

namespace Xmpp.Integration.Tests.Archive;

/// <summary>One answered XEP-0313 query: the result messages (in the order they arrived) and the &lt;fin/&gt;.</summary>
public sealed record ArchivePage(IReadOnlyList<XElement> Results, XElement Answer)
{
    public const string Mam = "urn:xmpp:mam:2";
    public const string Rsm = "http://jabber.org/protocol/rsm";
    public const string Forward = "urn:xmpp:forward:0";

    public XElement Fin => Answer.Element(XName.Get("fin", Mam)) ?? throw new InvalidOperationException($"no <fin/> in {Answer.Text()}");
    public bool Complete => Fin.Attr("complete") is "true" or "1";
    private XElement? Set => Fin.Element(XName.Get("set", Rsm));
    public string? First => Set?.Element(XName.Get("first", Rsm))?.Value;
    public string? FirstIndex => Set?.Element(XName.Get("first", Rsm))?.Attr("index");
    public string? Last => Set?.Element(XName.Get("last", Rsm))?.Value;
    public int? Count => Set?.Element(XName.Get("count", Rsm)) is { } c ? int.Parse(c.Value) : null;

    /// <summary>The archive ids of the results.</summary>
    public IReadOnlyList<string> Ids => Results.Select(r => r.Element(XName.Get("result", Mam))!.Attr("id")!).ToList();

    /// <summary>The archived messages themselves (inside forwarded).</summary>
    public IReadOnlyList<XElement> Messages => Results.Select(Forwarded).ToList();

    public IReadOnlyList<string?> Bodies => Messages.Select(m => m.Body()).ToList();

    public static XElement Forwarded(XElement result) =>
        result.Element(XName.Get("result", Mam))?.Element(XName.Get("forwarded", Forward))?.Elements().FirstOrDefault(e => e.Name.LocalName == "message")
        ?? throw new InvalidOperationException($"no forwarded message in {result.Text()}");
}

/// <summary>Archive queries and carbons as a client sends them.</summary>
public static class ArchiveClient
{
    /// <summary>
    /// Queries the own archive: <paramref name="fields"/> are (var, value) form fields, <paramref name="rsm"/>
    /// the XML inside &lt;set/&gt;. Collects the result messages for this queryid until the iq answer.
    /// </summary>
    public static async Task<ArchivePage> QueryArchiveAsync(this TestClient client, IEnumerable<(string Var, string Value)>? fields = null, string? rsm = null, bool expectResult = true)
    {
        var id = client.NewId("mam");
        var queryId = "q" + id;
        var form = string.Concat((fields ?? []).Select(f => $"<field var='{f.Var}'><value>{System.Security.SecurityElement.Escape(f.Value)}</value></field>"));
        await client.SendAsync($"<iq type='set' id='{id}'><query xmlns='{ArchivePage.Mam}' queryid='{queryId}'>" +
            $"<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>{ArchivePage.Mam}</value></field>{form}</x>" +
            (rsm is null ? "" : $"<set xmlns='{ArchivePage.Rsm}'>{rsm}</set>") + "</query></iq>");
        var results = new List<XElement>();
        var answer = await client.ExpectAsync(e =>
        {
            if (e.IsMessage() && e.Element(XName.Get("result", ArchivePage.Mam))?.Attr("queryid") == queryId)
            {
                if (!results.Contains(e)) results.Add(e);
                return false;
            }
            return e.IsIq() && e.Attr("id") == id;
        });
        if (expectResult && answer.Attr("type") != "result") throw new InvalidOperationException($"archive query failed: {answer.Text()}");
        return new ArchivePage(results, answer);
    }

    /// <summary>Sends an iq set/get and waits for its answer.</summary>
    public static async Task<XElement> IqAsync(this TestClient client, string type, string payload, string? to = null)
    {
        var id = client.NewId("iq");
        await client.SendAsync($"<iq type='{type}' id='{id}'{(to is null ? "" : $" to='{to}'")}>{payload}</iq>");
        return await client.ExpectAsync(e => e.IsIq() && e.Attr("id") == id);
    }

    public static async Task EnableCarbonsAsync(this TestClient client)
    {
        var answer = await client.IqAsync("set", "<enable xmlns='urn:xmpp:carbons:2'/>");
        if (answer.Attr("type") != "result") throw new InvalidOperationException($"enabling carbons failed: {answer.Text()}");
    }

    /// <summary>The XEP-0359 stanza-id of <paramref name="message"/> given by <paramref name="by"/>, or null.</summary>
    public static string? StanzaId(this XElement message, string by) =>
        message.Elements(XName.Get("stanza-id", "urn:xmpp:sid:0")).FirstOrDefault(s => s.Attr("by") == by)?.Attr("id");
}
