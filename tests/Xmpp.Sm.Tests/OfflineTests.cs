using System.Globalization;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Sm.Tests.Stores;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>XEP-0160 offline storage and XEP-0203 delayed delivery.</summary>
public abstract class OfflineTests : IDisposable
{
    private static readonly XNamespace Delay = Ns.Delay;
    private readonly IStoreProvider _stores;
    private readonly SmHarness _h;

    protected OfflineTests(IStoreProvider stores)
    {
        _stores = stores;
        _h = new(o => o.OfflineLimit = 2, store: stores.NewStore());
        _h.CreateUser("alice");
        _h.CreateUser("bob");
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Messages_for_an_offline_user_are_stored_and_delivered_with_a_delay_stamp_on_initial_presence()
    {
        var alice = _h.Online("alice@localhost/phone");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        Assert.Empty(_h.Send(alice, "<message to='bob@localhost' type='chat' id='m1'><body>one</body></message>"));
        Assert.Empty(_h.Send(alice, "<message to='bob@localhost/pc' type='chat' id='m2'><body>two</body></message>")); // RFC 6121 §8.5.3.2.1: chat to an absent resource goes as to the bare JID
        Assert.Equal(2, _h.Storage.Count("bob@localhost"));

        var bob = _h.Start("bob@localhost/pc");
        Assert.Empty(_h.Take());
        var frames = _h.Send(bob, "<presence/>");

        var stanzas = StanzasTo(frames, bob);
        Assert.Equal("presence", stanzas[0].Name.LocalName); // the echo comes first
        var messages = stanzas.Skip(1).ToList();
        Assert.Equal(["one", "two"], messages.Select(m => m.Element(C("body"))!.Value));
        Assert.Equal("alice@localhost/phone", (string?)messages[0].Attribute("from"));
        foreach (var message in messages)
        {
            var delay = message.Element(Delay + "delay");
            Assert.NotNull(delay);
            Assert.Equal("localhost", (string?)delay.Attribute("from"));
            var stampText = (string)delay.Attribute("stamp")!;
            Assert.EndsWith("Z", stampText);
            var stamp = DateTimeOffset.Parse(stampText, CultureInfo.InvariantCulture);
            Assert.InRange(stamp, before, DateTimeOffset.UtcNow.AddSeconds(1));
        }
        Assert.Equal(0, _h.Storage.Count("bob@localhost"));

        // Delivered once: a later presence or resource gets nothing more.
        Assert.Single(StanzasTo(_h.Send(bob, "<presence><show>away</show></presence>"), bob));
    }

    [Fact]
    public void A_full_offline_store_answers_service_unavailable()
    {
        var alice = _h.Online("alice@localhost/phone");
        _h.Send(alice, "<message to='bob@localhost'><body>1</body></message>");
        _h.Send(alice, "<message to='bob@localhost'><body>2</body></message>");

        var error = SingleStanzaTo(_h.Send(alice, "<message to='bob@localhost' id='m3'><body>3</body></message>"), alice);

        Assert.Equal("service-unavailable", ErrorCondition(error));
        Assert.Equal("m3", (string?)error.Attribute("id"));
        Assert.Equal(2, _h.Storage.Count("bob@localhost"));
    }

    [Fact]
    public void A_message_beyond_the_byte_cap_answers_service_unavailable_logs_and_counts_it()
    {
        // The archive off: its stanza-ids would add to the stored bytes this test counts.
        using var h = new SmHarness(o => o.Offline.MaxBytesPerAccount = 400, settings: new Dictionary<string, string?> { ["Sm:Archive:Enabled"] = "false" }, store: _stores.NewStore());
        h.CreateUser("alice");
        h.CreateUser("bob");
        var alice = h.Online("alice@localhost/phone");
        using var refusals = new RefusalCounter();
        var body = new string('x', 150);

        Assert.Empty(h.Send(alice, $"<message to='bob@localhost' id='m1'><body>{body}</body></message>"));
        var stored = h.Storage.Bytes("bob@localhost");
        Assert.InRange(stored, 150, 400);
        var error = SingleStanzaTo(h.Send(alice, $"<message to='bob@localhost' id='m2'><body>{body}{body}</body></message>"), alice);

        Assert.Equal("service-unavailable", ErrorCondition(error));
        Assert.Equal("m2", (string?)error.Attribute("id"));
        Assert.Equal(1, h.Storage.Count("bob@localhost"));
        Assert.Equal(stored, h.Storage.Bytes("bob@localhost"));
        Assert.True(refusals.Bytes >= 1);

        // A smaller one still fits: the cap is on bytes, not on a count.
        Assert.Empty(h.Send(alice, "<message to='bob@localhost' id='m3'><body>short</body></message>"));
        Assert.Equal(2, h.Storage.Count("bob@localhost"));
        Assert.InRange(h.Storage.Bytes("bob@localhost"), stored + 1, 400);

        h.Online("bob@localhost/pc");
        Assert.Equal(0, h.Storage.Bytes("bob@localhost")); // both delivered; the store is empty again
    }

    /// <summary>Listens to sm's offline refusal counter (the meter is process-wide: counts only grow).</summary>
    private sealed class RefusalCounter : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private long _bytes;

        public RefusalCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == Telemetry.SmTelemetry.Name && instrument.Name == "xmpp.sm.offline.refused")
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                    if (tag.Key == "reason" && (string?)tag.Value == "bytes") Interlocked.Add(ref _bytes, value);
            });
            _listener.Start();
        }

        public long Bytes => Interlocked.Read(ref _bytes);

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public void Headline_and_error_messages_are_not_stored()
    {
        var alice = _h.Online("alice@localhost/phone");

        Assert.Empty(_h.Send(alice, "<message to='bob@localhost' type='headline'><body>news</body></message>"));
        Assert.Empty(_h.Send(alice, "<message to='bob@localhost' type='error'/>"));
        Assert.Equal(0, _h.Storage.Count("bob@localhost"));
    }

    [Fact]
    public void A_negative_priority_initial_presence_does_not_fetch_offline_messages()
    {
        var alice = _h.Online("alice@localhost/phone");
        _h.Send(alice, "<message to='bob@localhost'><body>1</body></message>");

        var bob = _h.Start("bob@localhost/bot");
        Assert.Single(StanzasTo(_h.Send(bob, "<presence><priority>-5</priority></presence>"), bob)); // just the echo
        Assert.Equal(1, _h.Storage.Count("bob@localhost"));

        // Going to a non-negative priority makes it reachable: now it gets them.
        Assert.Equal(2, StanzasTo(_h.Send(bob, "<presence><priority>1</priority></presence>"), bob).Count);
        Assert.Equal(0, _h.Storage.Count("bob@localhost"));
    }

    [Fact]
    public void Messages_survive_a_restart_of_sm()
    {
        var alice = _h.Online("alice@localhost/phone");
        _h.Send(alice, "<message to='bob@localhost'><body>persisted</body></message>");

        using var reopened = _h.Store.Open();
        var stored = Assert.Single(reopened.Load("bob@localhost"));
        Assert.Contains("persisted", System.Text.Encoding.UTF8.GetString(stored.Stanza));
    }
}

public sealed class OfflineTestsOnSqlite() : OfflineTests(StoreProviders.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class OfflineTestsOnPostgres(PostgresFixture postgres) : OfflineTests(postgres);
