using System.Xml.Linq;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xmpp.Common.Components;
using Xmpp.Upload.Protocol;
using Xmpp.Upload.Storage;

namespace Xmpp.Upload.Tests;

/// <summary>The XMPP side: disco#info and #items of upload.localhost, slot answers with URLs, and what else it answers.</summary>
public sealed class UploadComponentTests : IDisposable
{
    private const string Domain = "upload.localhost";
    private static readonly XNamespace Client = "jabber:client";
    private static readonly XNamespace Upload = UploadNs.HttpUpload;
    private static readonly XNamespace Info = "http://jabber.org/protocol/disco#info";

    private readonly TempDirectory _dir = new();
    private readonly UploadIndex _index;
    private readonly Sender _sender = new();
    private readonly UploadComponent _component;

    public UploadComponentTests()
    {
        _index = new UploadIndex(Path.Combine(_dir.Path, "upload.db"));
        var urls = new SlotUrls { Base = "https://files.example.org:5281/" };
        _component = new UploadComponent(Options.Create(new UploadOptions { MaxFileSize = 5000 }),
            Options.Create(new ServiceComponentOptions { Domain = Domain, ServerDomain = "localhost" }), _sender, _index, urls,
            new FakeTimeProvider(), NullLogger<UploadComponent>.Instance);
    }

    public void Dispose()
    {
        _index.Dispose();
        _dir.Dispose();
    }

    private sealed class Sender : IStanzaSender
    {
        public List<XElement> Sent { get; } = [];
        public string Domain => UploadComponentTests.Domain;
        public bool Send(XElement stanza)
        {
            Sent.Add(stanza);
            return true;
        }
    }

    private async Task<XElement?> HandleAsync(string xml)
    {
        _sender.Sent.Clear();
        await _component.HandleAsync(XElement.Parse(xml), CancellationToken.None);
        return _sender.Sent.SingleOrDefault();
    }

    private Task<XElement?> IqAsync(string payload, string to = Domain) =>
        HandleAsync($"<iq xmlns='jabber:client' type='get' id='q1' from='alice@localhost/phone' to='{to}'>{payload}</iq>");

    [Fact]
    public async Task Disco_info_names_a_file_store_with_the_feature_and_the_max_file_size_form()
    {
        var result = (await IqAsync($"<query xmlns='{Info.NamespaceName}'/>"))!;
        Assert.Equal(("result", "q1", Domain, "alice@localhost/phone"), (result.Attribute("type")?.Value, result.Attribute("id")?.Value, result.Attribute("from")?.Value, result.Attribute("to")?.Value));
        var identity = result.Descendants(Info + "identity").Single();
        Assert.Equal(("store", "file"), (identity.Attribute("category")?.Value, identity.Attribute("type")?.Value));
        Assert.Contains(result.Descendants(Info + "feature"), f => f.Attribute("var")?.Value == UploadNs.HttpUpload);
        XNamespace forms = UploadNs.DataForms;
        var fields = result.Descendants(forms + "field").ToDictionary(f => f.Attribute("var")!.Value, f => f.Element(forms + "value")!.Value);
        Assert.Equal(UploadNs.HttpUpload, fields["FORM_TYPE"]);
        Assert.Equal("5000", fields["max-file-size"]);
    }

    [Fact]
    public async Task Disco_items_is_empty_and_a_node_is_not_found()
    {
        var items = (await IqAsync("<query xmlns='http://jabber.org/protocol/disco#items'/>"))!;
        Assert.Equal("result", items.Attribute("type")?.Value);
        Assert.Empty(items.Elements().Single().Elements());
        var node = (await IqAsync($"<query xmlns='{Info.NamespaceName}' node='x'/>"))!;
        Assert.Equal("item-not-found", node.Element(Client + "error")!.Elements().First().Name.LocalName);
    }

    [Fact]
    public async Task A_slot_answer_carries_the_same_unguessable_url_for_put_and_get_with_the_name_encoded()
    {
        var result = (await IqAsync($"<request xmlns='{UploadNs.HttpUpload}' filename='très cool.jpg' size='2000' content-type='image/jpeg'/>"))!;
        Assert.Equal("result", result.Attribute("type")?.Value);
        var slot = result.Element(Upload + "slot")!;
        var put = slot.Element(Upload + "put")!.Attribute("url")!.Value;
        Assert.Equal(put, slot.Element(Upload + "get")!.Attribute("url")!.Value);
        var match = System.Text.RegularExpressions.Regex.Match(put, "^https://files.example.org:5281/upload/([A-Za-z0-9_-]{32})/tr%C3%A8s%20cool.jpg$");
        Assert.True(match.Success, put);
        var stored = _index.Find(match.Groups[1].Value)!;
        Assert.Equal(("alice@localhost", "très cool.jpg", 2000L, "image/jpeg"), (stored.Owner, stored.FileName, stored.Size, stored.ContentType));
    }

    [Fact]
    public async Task A_bad_request_says_why()
    {
        var error = (await IqAsync($"<request xmlns='{UploadNs.HttpUpload}' filename='a/b' size='10'/>"))!.Element(Client + "error")!;
        Assert.Equal("modify", error.Attribute("type")?.Value);
        Assert.Equal("bad-request", error.Elements().First().Name.LocalName);
        Assert.Equal("Invalid filename", error.Element(XName.Get("text", "urn:ietf:params:xml:ns:xmpp-stanzas"))?.Value);
    }

    [Theory]
    [InlineData("<iq xmlns='jabber:client' type='get' id='v' from='alice@localhost/p' to='upload.localhost'><query xmlns='jabber:iq:version'/></iq>")]
    [InlineData("<iq xmlns='jabber:client' type='set' id='v' from='alice@localhost/p' to='upload.localhost'><request xmlns='urn:xmpp:http:upload:0' filename='a' size='1'/></iq>")]
    [InlineData("<iq xmlns='jabber:client' type='get' id='v' from='alice@localhost/p' to='bot@upload.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")]
    [InlineData("<message xmlns='jabber:client' id='m' from='alice@localhost/p' to='upload.localhost'><body>hi</body></message>")]
    public async Task Anything_else_that_expects_an_answer_gets_service_unavailable(string xml)
    {
        var reply = (await HandleAsync(xml))!;
        Assert.Equal("error", reply.Attribute("type")?.Value);
        Assert.Equal("service-unavailable", reply.Element(Client + "error")!.Elements().First().Name.LocalName);
    }

    [Theory]
    [InlineData("<presence xmlns='jabber:client' from='alice@localhost/p' to='upload.localhost'/>")]
    [InlineData("<iq xmlns='jabber:client' type='result' id='r' from='alice@localhost/p' to='upload.localhost'/>")]
    [InlineData("<message xmlns='jabber:client' type='error' id='m' from='alice@localhost/p' to='upload.localhost'/>")]
    public async Task Presence_results_and_errors_get_no_answer(string xml) => Assert.Null(await HandleAsync(xml));
}
