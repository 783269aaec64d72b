using System.Xml.Linq;
using Microsoft.Extensions.Time.Testing;
using Xmpp.Common;
using Xmpp.Upload.Protocol;
using Xmpp.Upload.Storage;

namespace Xmpp.Upload.Tests;

/// <summary>Slot giving: who may ask, the size limit, the quota (stored files and open slots), the request rate.</summary>
public sealed class SlotIssuerTests : IDisposable
{
    private static readonly XNamespace Upload = UploadNs.HttpUpload;
    private static readonly Jid Alice = Jid.Parse("alice@localhost/phone");

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly UploadIndex _index;
    private readonly UploadOptions _options = new() { MaxFileSize = 1000, QuotaBytesPerUser = 2500, SlotRequestBurst = 100, SlotRequestsPerMinute = 100 };

    public SlotIssuerTests() => _index = new UploadIndex(Path.Combine(_dir.Path, "upload.db"));

    public void Dispose()
    {
        _index.Dispose();
        _dir.Dispose();
    }

    private SlotIssuer Issuer() => new(_options, "localhost", _index, _time);

    private static XElement Request(long size, string name = "f.bin") =>
        new(Upload + "request", new XAttribute("filename", name), new XAttribute("size", size), new XAttribute("content-type", "application/pdf"));

    [Fact]
    public void A_slot_is_recorded_for_the_bare_jid_with_a_random_id_and_the_slot_lifetime()
    {
        var issuer = Issuer();
        var (slot, refusal) = issuer.Issue(Alice, Request(500, "report.pdf"));
        Assert.Null(refusal);
        Assert.Equal(("alice@localhost", "report.pdf", 500L, "application/pdf"), (slot!.Owner, slot.FileName, slot.Size, slot.ContentType));
        Assert.Equal(_time.GetUtcNow() + _options.SlotLifetime, slot.SlotExpiresAt);
        Assert.Equal(32, slot.Id.Length);
        Assert.Matches("^[A-Za-z0-9_-]+$", slot.Id);
        Assert.Equal(slot, _index.Find(slot.Id));
        Assert.NotEqual(slot.Id, issuer.Issue(Alice, Request(500)).Slot!.Id);
    }

    [Fact]
    public void A_file_over_the_size_limit_is_not_acceptable_with_file_too_large_and_the_limit()
    {
        var (slot, refusal) = Issuer().Issue(Alice, Request(1001));
        Assert.Null(slot);
        Assert.Equal(("modify", "not-acceptable", "file-too-large"), (refusal!.Type, refusal.Condition, refusal.Reason));
        var reply = refusal.ReplyTo(new XElement(XName.Get("iq", "jabber:client"), new XAttribute("id", "1"), new XAttribute("from", Alice.ToString()),
            new XAttribute("to", "upload.localhost"), new XAttribute("type", "get"), Request(1001)));
        var error = reply.Element(XName.Get("error", "jabber:client"))!;
        Assert.Equal("1000", error.Element(Upload + "file-too-large")!.Element(Upload + "max-file-size")!.Value);
        Assert.NotNull(error.Element(XName.Get("not-acceptable", "urn:ietf:params:xml:ns:xmpp-stanzas")));
        Assert.Equal(Alice.ToString(), (string?)reply.Attribute("to"));
        Assert.Equal("upload.localhost", (string?)reply.Attribute("from"));
    }

    [Fact]
    public void Open_slots_and_stored_files_count_against_the_quota_until_they_lapse_or_expire()
    {
        var issuer = Issuer();
        var first = issuer.Issue(Alice, Request(1000)).Slot!;
        Assert.True(_index.TryComplete(first.Id, _time.GetUtcNow(), _time.GetUtcNow().AddHours(1)));
        Assert.NotNull(issuer.Issue(Alice, Request(1000)).Slot); // open, never used: still counts

        var (slot, refusal) = issuer.Issue(Alice, Request(600));
        Assert.Null(slot);
        Assert.Equal(("wait", "resource-constraint", "quota"), (refusal!.Type, refusal.Condition, refusal.Reason));
        Assert.Contains("Quota reached", refusal.Text);
        // The retry stamp is when the first bytes come free: the open slot lapses first.
        Assert.Equal((_time.GetUtcNow() + _options.SlotLifetime).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), (string?)refusal.Detail!.Attribute("stamp"));
        Assert.NotNull(issuer.Issue(Alice, Request(500)).Slot); // what fits still fits
        Assert.NotNull(issuer.Issue(Jid.Parse("bob@localhost/pc"), Request(1000)).Slot); // per account

        _time.Advance(_options.SlotLifetime); // the unused slots lapse
        Assert.NotNull(issuer.Issue(Alice, Request(1000)).Slot);
    }

    [Fact]
    public void A_quota_of_zero_means_none()
    {
        _options.QuotaBytesPerUser = 0;
        var issuer = Issuer();
        for (var i = 0; i < 10; i++) Assert.NotNull(issuer.Issue(Alice, Request(1000)).Slot);
    }

    [Theory]
    [InlineData("upload.localhost")]
    [InlineData("mallory@elsewhere.example/x")]
    public void Only_accounts_of_the_server_get_slots(string requester)
    {
        var (slot, refusal) = Issuer().Issue(Jid.Parse(requester), Request(10));
        Assert.Null(slot);
        Assert.Equal(("cancel", "forbidden"), (refusal!.Type, refusal.Condition));
    }

    [Fact]
    public void Requests_beyond_the_burst_wait_for_the_rate_and_say_until_when()
    {
        _options.SlotRequestBurst = 3;
        _options.SlotRequestsPerMinute = 2;
        var issuer = Issuer();
        for (var i = 0; i < 3; i++) Assert.NotNull(issuer.Issue(Alice, Request(1)).Slot);
        var refusal = issuer.Issue(Alice, Request(1)).Refusal!;
        Assert.Equal(("wait", "resource-constraint", "rate"), (refusal.Type, refusal.Condition, refusal.Reason));
        Assert.Equal(_time.GetUtcNow().AddSeconds(30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), (string?)refusal.Detail!.Attribute("stamp"));
        // Malformed requests are counted as well, so a flood of them is limited too.
        Assert.Equal("rate", issuer.Issue(Alice, Request(-1)).Refusal!.Reason);
        Assert.NotNull(issuer.Issue(Jid.Parse("bob@localhost/pc"), Request(1)).Slot);

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.NotNull(issuer.Issue(Alice, Request(1)).Slot);
        Assert.Equal("rate", issuer.Issue(Alice, Request(1)).Refusal!.Reason);
    }
}
