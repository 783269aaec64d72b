using Xmpp.Common;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>RFC 6121 §3.1.6, §3.2.3: an inbound approval or cancellation reaches the user before the roster push it causes.</summary>
public sealed class SubscriptionOrderTests : IDisposable
{
    private readonly SmHarness _h = new();

    public void Dispose() => _h.Dispose();

    /// <summary>What <paramref name="client"/> received, in order, as "presence-&lt;type&gt;" or "push-&lt;subscription&gt;".</summary>
    private static List<string> Sequence(IEnumerable<Protos.Frame> frames, Client client) =>
        StanzasTo(frames, client).Select(s => s.Name.LocalName == "presence"
            ? "presence-" + ((string?)s.Attribute("type") ?? "available")
            : "push-" + (string?)s.Descendants(System.Xml.Linq.XName.Get("item", Ns.Roster)).Single().Attribute("subscription")).ToList();

    [Fact]
    public void The_user_gets_subscribed_before_the_roster_push_to_and_unsubscribed_before_the_push_none()
    {
        _h.CreateUser("alice");
        _h.CreateUser("bob");
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/pc", c2s: C2s2);
        _h.Send(alice, "<presence to='bob@localhost' type='subscribe'/>");

        var approval = _h.Send(bob, "<presence to='alice@localhost' type='subscribed'/>");

        Assert.Equal(["presence-subscribed", "push-to", "presence-available"], Sequence(approval, alice));

        var cancellation = _h.Send(bob, "<presence to='alice@localhost' type='unsubscribed'/>");

        Assert.Equal(["presence-unsubscribed", "push-none", "presence-unavailable"], Sequence(cancellation, alice));
    }
}
