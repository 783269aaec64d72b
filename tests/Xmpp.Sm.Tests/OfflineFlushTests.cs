using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>Sm:OfflineFlushBytes: a large offline backlog is delivered a bounded number of bytes at a time, oldest first.</summary>
public sealed class OfflineFlushTests : IDisposable
{
    private readonly SmHarness _h = new(o => o.OfflineFlushBytes = 250);

    public OfflineFlushTests()
    {
        _h.CreateUser("alice");
        _h.CreateUser("bob");
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Each_available_presence_delivers_at_most_the_flush_bytes_and_the_rest_stays_stored()
    {
        var alice = _h.Online("alice@localhost/phone");
        for (var i = 1; i <= 3; i++)
            _h.Send(alice, $"<message to='bob@localhost' type='chat' id='m{i}'><body>{new string('x', 100)}</body></message>");
        Assert.Equal(3, _h.Storage.Count("bob@localhost"));

        var bob = _h.Start("bob@localhost/pc");
        var first = StanzasTo(_h.Send(bob, "<presence/>"), bob).Where(s => s.Name.LocalName == "message").ToList();
        Assert.Equal(["m1"], first.Select(m => (string?)m.Attribute("id"))); // one message is ~200 bytes: two would pass 250
        Assert.Equal(2, _h.Storage.Count("bob@localhost"));

        _h.Send(bob, "<presence type='unavailable'/>");
        var second = StanzasTo(_h.Send(bob, "<presence/>"), bob).Where(s => s.Name.LocalName == "message").ToList();
        Assert.Equal(["m2"], second.Select(m => (string?)m.Attribute("id")));
        Assert.Equal(1, _h.Storage.Count("bob@localhost"));
    }
}
