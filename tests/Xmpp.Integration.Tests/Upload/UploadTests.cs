using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Upload;

/// <summary>
/// Issue 21, XEP-0363 through real processes (router, sm, c2s, xmpp-upload): the server's disco
/// lists upload.localhost, whose disco#info has the feature and the max-file-size form; a client
/// asks for a slot over XMPP, PUTs 1 MB of random bytes over HTTPS to the URL it got and GETs them
/// back byte-identical; a second PUT, a PUT of the wrong length or type, a slot over the size limit,
/// over the quota or beyond the request rate are refused as the XEP says.
/// </summary>
[Collection(UploadCollection.Name)]
public sealed class UploadTests(UploadClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const string Upload = "urn:xmpp:http:upload:0";
    private const string DiscoInfo = "http://jabber.org/protocol/disco#info";
    private const string DiscoItems = "http://jabber.org/protocol/disco#items";
    private static readonly XNamespace UploadNs = Upload;

    private readonly List<TestClient> _clients = [];
    private HttpClient? _http;
    private Cluster Cluster => fixture.Cluster;

    private HttpClient Http => _http ??= HttpsClient(Cluster);

    /// <summary>An HTTPS client that trusts exactly the upload service's certificate.</summary>
    internal static HttpClient HttpsClient(Cluster cluster) => new(new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == cluster.UploadCertificate!.GetCertHashString() },
    }) { Timeout = Timeout };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        foreach (var client in _clients) await client.DisposeAsync();
        output.WriteLine(Cluster.OutputTail(60));
    }

    private async Task<TestClient> LoginAsync(string name)
    {
        var client = await Cluster.LoginAsync(await Cluster.NewUserAsync(name), Cluster.C2s1Port);
        _clients.Add(client);
        return client;
    }

    private static async Task<XElement> IqAsync(TestClient client, string to, string payload)
    {
        var id = client.NewId("up");
        await client.SendAsync($"<iq type='get' id='{id}' to='{to}'>{payload}</iq>");
        return await client.ExpectAsync(e => e.IsIq() && e.Attr("id") == id, Timeout);
    }

    internal static Task<XElement> RequestSlotAsync(TestClient client, string fileName, long size, string contentType = "application/octet-stream") =>
        IqAsync(client, Cluster.UploadDomain,
            new XElement(UploadNs + "request", new XAttribute("filename", fileName), new XAttribute("size", size), new XAttribute("content-type", contentType)).ToString());

    internal static (string Put, string Get) UrlsOf(XElement result)
    {
        Assert.True(result.Attr("type") == "result", $"slot request: {result}");
        var slot = result.Element(UploadNs + "slot")!;
        return (slot.Element(UploadNs + "put")!.Attr("url")!, slot.Element(UploadNs + "get")!.Attr("url")!);
    }

    private Task<HttpResponseMessage> PutAsync(string url, byte[] body, string contentType = "application/octet-stream") => PutAsync(Http, url, body, contentType);

    internal static Task<HttpResponseMessage> PutAsync(HttpClient http, string url, byte[] body, string contentType = "application/octet-stream")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return http.PutAsync(url, content);
    }

    [Fact]
    public async Task The_server_lists_the_upload_service_and_its_disco_info_has_the_feature_and_the_size_form()
    {
        var alice = await LoginAsync("up-disco");

        // The service bound before READY; sm learns of it from the router's announcement, so poll briefly.
        var deadline = DateTime.UtcNow + Timeout;
        IReadOnlyList<string> items;
        do
        {
            var result = await IqAsync(alice, Cluster.Domain, $"<query xmlns='{DiscoItems}'/>");
            items = result.Descendants(XName.Get("item", DiscoItems)).Select(i => i.Attr("jid") ?? "").ToList();
        } while (!items.Contains(Cluster.UploadDomain) && DateTime.UtcNow < deadline && await Task.Delay(100).ContinueWith(_ => true));
        Assert.Contains(Cluster.UploadDomain, items);

        var info = await IqAsync(alice, Cluster.UploadDomain, $"<query xmlns='{DiscoInfo}'/>");
        Assert.True(info.Attr("type") == "result", info.ToString());
        var identity = info.Descendants(XName.Get("identity", DiscoInfo)).Single();
        Assert.Equal(("store", "file"), (identity.Attr("category"), identity.Attr("type")));
        Assert.Contains(info.Descendants(XName.Get("feature", DiscoInfo)), f => f.Attr("var") == Upload);
        XNamespace forms = "jabber:x:data";
        var form = info.Descendants(forms + "x").Single();
        Assert.Equal(Upload, form.Elements(forms + "field").Single(f => f.Attr("var") == "FORM_TYPE").Value);
        Assert.Equal(UploadClusterFixture.MaxFileSize.ToString(), form.Elements(forms + "field").Single(f => f.Attr("var") == "max-file-size").Value);
    }

    [Fact]
    public async Task A_file_put_through_the_slot_is_downloaded_byte_identical_and_the_slot_takes_no_second_put()
    {
        var alice = await LoginAsync("up-put");
        var file = RandomNumberGenerator.GetBytes(1_000_000);
        var (put, get) = UrlsOf(await RequestSlotAsync(alice, "holiday photo é.jpg", file.Length, "image/jpeg"));
        Assert.StartsWith($"https://127.0.0.1:{Cluster.UploadPort}/", put);

        // Nothing to fetch before the upload.
        using (var early = await Http.GetAsync(get)) Assert.Equal(HttpStatusCode.NotFound, early.StatusCode);

        using (var stored = await PutAsync(put, file, "image/jpeg"))
            Assert.True(stored.StatusCode == HttpStatusCode.Created, $"PUT: {stored.StatusCode} {await stored.Content.ReadAsStringAsync()}");

        using (var fetched = await Http.GetAsync(get))
        {
            Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
            Assert.Equal("image/jpeg", fetched.Content.Headers.ContentType?.MediaType);
            Assert.Equal(file, await fetched.Content.ReadAsByteArrayAsync());
            Assert.Equal("nosniff", fetched.Headers.GetValues("X-Content-Type-Options").Single());
        }
        using (var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, get)))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(file.Length, head.Content.Headers.ContentLength);
        }

        // The slot is spent: a second PUT is refused and the stored file is unchanged.
        using (var again = await PutAsync(put, RandomNumberGenerator.GetBytes(file.Length), "image/jpeg"))
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using (var still = await Http.GetAsync(get)) Assert.Equal(file, await still.Content.ReadAsByteArrayAsync());

        // Another slot id is nothing: unguessable URLs, no listing.
        var guessed = get.Replace(new Uri(get).Segments[2].TrimEnd('/'), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        using (var guess = await Http.GetAsync(guessed)) Assert.Equal(HttpStatusCode.NotFound, guess.StatusCode);
    }

    [Fact]
    public async Task A_put_of_the_wrong_length_or_type_is_refused_and_leaves_the_slot_usable()
    {
        var bob = await LoginAsync("up-length");
        var file = RandomNumberGenerator.GetBytes(4096);
        var (put, get) = UrlsOf(await RequestSlotAsync(bob, "notes.txt", file.Length, "text/plain"));

        using (var shorter = await PutAsync(put, file[..^1], "text/plain"))
            Assert.Equal(HttpStatusCode.BadRequest, shorter.StatusCode);
        using (var longer = await PutAsync(put, [.. file, 0x42], "text/plain"))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, longer.StatusCode);
        using (var wrongType = await PutAsync(put, file, "image/png"))
            Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        using (var none = await Http.GetAsync(get)) Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);

        using (var right = await PutAsync(put, file, "text/plain")) Assert.Equal(HttpStatusCode.Created, right.StatusCode);
        using var fetched = await Http.GetAsync(get);
        Assert.Equal(file, await fetched.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_slot_over_the_size_limit_gets_file_too_large_and_one_over_the_quota_resource_constraint()
    {
        var carol = await LoginAsync("up-quota");

        var tooLarge = await RequestSlotAsync(carol, "big.bin", UploadClusterFixture.MaxFileSize + 1);
        Assert.Equal("error", tooLarge.Attr("type"));
        var error = tooLarge.Element(XName.Get("error", "jabber:client"))!;
        Assert.Equal("modify", error.Attr("type"));
        Assert.Equal("not-acceptable", tooLarge.ErrorCondition());
        Assert.Equal(UploadClusterFixture.MaxFileSize.ToString(), error.Element(UploadNs + "file-too-large")?.Element(UploadNs + "max-file-size")?.Value);

        // Two 1.5 MiB files fit the 3 MiB quota (an open slot counts as soon as it is given); a third does not.
        const long size = 3 * 512 * 1024;
        var (put, _) = UrlsOf(await RequestSlotAsync(carol, "one.bin", size));
        using (var stored = await PutAsync(put, RandomNumberGenerator.GetBytes((int)size))) Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        UrlsOf(await RequestSlotAsync(carol, "two.bin", size));
        var overQuota = await RequestSlotAsync(carol, "three.bin", size);
        Assert.Equal("error", overQuota.Attr("type"));
        var quotaError = overQuota.Element(XName.Get("error", "jabber:client"))!;
        Assert.Equal("wait", quotaError.Attr("type"));
        Assert.Equal("resource-constraint", overQuota.ErrorCondition());
        Assert.Contains("Quota reached", quotaError.Element(XName.Get("text", "urn:ietf:params:xml:ns:xmpp-stanzas"))?.Value);
        Assert.NotNull(quotaError.Element(UploadNs + "retry")?.Attr("stamp"));

        // The quota is per account: someone else still gets a slot.
        var dave = await LoginAsync("up-quota-other");
        UrlsOf(await RequestSlotAsync(dave, "three.bin", size));
    }

    [Fact]
    public async Task Slot_requests_beyond_the_rate_get_resource_constraint_with_a_retry_time()
    {
        var erin = await LoginAsync("up-rate");
        for (var i = 0; i < UploadClusterFixture.Burst; i++) UrlsOf(await RequestSlotAsync(erin, $"f{i}.txt", 10));
        var refused = await RequestSlotAsync(erin, "one-too-many.txt", 10);
        Assert.Equal("resource-constraint", refused.ErrorCondition());
        var stamp = refused.Element(XName.Get("error", "jabber:client"))!.Element(UploadNs + "retry")?.Attr("stamp");
        Assert.True(DateTimeOffset.TryParse(stamp, out var retry) && retry > DateTimeOffset.UtcNow, $"retry stamp {stamp}");
    }
}
