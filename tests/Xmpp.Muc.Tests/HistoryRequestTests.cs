using System.Xml.Linq;
using Xmpp.Muc.Protocol;

namespace Xmpp.Muc.Tests;

/// <summary>XEP-0045 §7.2.14: the history limits a joining client asks for.</summary>
public sealed class HistoryRequestTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static readonly HistoryEntry[] History = Enumerable.Range(1, 5)
        .Select(i => new HistoryEntry(new XElement("message", i), Now.AddMinutes(i - 5), 100)).ToArray();

    private static int[] Pick(string attributes) =>
        HistoryRequest.Parse(XElement.Parse($"<history {attributes}/>")).Select(History, Now).Select(e => (int)e.Message).ToArray();

    [Fact]
    public void Without_limits_everything_kept_is_sent() =>
        Assert.Equal([1, 2, 3, 4, 5], HistoryRequest.Parse(null).Select(History, Now).Select(e => (int)e.Message));

    [Fact]
    public void Each_limit_keeps_the_newest_that_fit()
    {
        Assert.Equal([4, 5], Pick("maxstanzas='2'"));
        Assert.Equal([3, 4, 5], Pick("maxchars='300'"));
        Assert.Empty(Pick("maxchars='0'"));
        Assert.Equal([4, 5], Pick("seconds='90'"));
        Assert.Equal([5], Pick($"since='{Now.AddMinutes(-0.5):yyyy-MM-ddTHH:mm:ssZ}'"));
        Assert.Equal([5], Pick("maxstanzas='3' seconds='30'"));
    }
}
