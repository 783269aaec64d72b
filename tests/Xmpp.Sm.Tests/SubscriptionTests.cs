using Xmpp.Protos;
using Xmpp.Sm.Tests.Stores;
using static Xmpp.Sm.Tests.ImAssertions;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>RFC 6121 §3 between two users of this server, driven through SessionManager with real frames and SQLite.</summary>
public abstract class SubscriptionTests : IDisposable
{
    private readonly IStoreProvider _stores;
    private readonly SmHarness _h;

    protected SubscriptionTests(IStoreProvider stores)
    {
        _stores = stores;
        _h = new(store: stores.NewStore());
        _h.CreateUser("alice");
        _h.CreateUser("bob");
        _h.CreateUser("carol");
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Handshake_both_ways_ends_in_both_with_pushes_deliveries_and_presence()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/pc", c2s: C2s2);

        // §3.1.1-3.1.3: alice asks; her roster shows ask='subscribe'; bob gets the request from her bare JID
        var frames = _h.Send(alice, "<presence to='bob@localhost' type='subscribe' id='sub1'><status>hi, it's alice</status></presence>");
        AssertItem(SinglePush(frames, alice), "bob@localhost", "none", ask: "subscribe");
        var request = SinglePresence(frames, bob);
        AssertPresence(request, "alice@localhost", "bob@localhost", "subscribe");
        Assert.Equal("sub1", (string?)request.Attribute("id"));
        Assert.Equal("hi, it's alice", request.Element(C("status"))!.Value);
        Assert.Empty(Pushes(frames, bob)); // a pending request is not a roster item (§3.1.3)
        Assert.True(_h.Storage.HasRequest("bob@localhost", "alice@localhost"));

        // §3.1.5/3.1.6: bob approves; both rosters change; alice gets 'subscribed' and bob's presence
        frames = _h.Send(bob, "<presence to='alice@localhost' type='subscribed'/>");
        AssertItem(SinglePush(frames, bob), "alice@localhost", "from");
        AssertItem(SinglePush(frames, alice), "bob@localhost", "to");
        AssertPresence(SinglePresence(frames, alice, "subscribed"), "bob@localhost", "alice@localhost", "subscribed");
        AssertPresence(SinglePresence(frames, alice, ""), "bob@localhost/pc", "alice@localhost", null);
        Assert.False(_h.Storage.HasRequest("bob@localhost", "alice@localhost"));

        // and the other way round
        frames = _h.Send(bob, "<presence to='alice@localhost' type='subscribe'/>");
        AssertItem(SinglePush(frames, bob), "alice@localhost", "from", ask: "subscribe");
        AssertPresence(SinglePresence(frames, alice, "subscribe"), "bob@localhost", "alice@localhost", "subscribe");
        frames = _h.Send(alice, "<presence to='bob@localhost' type='subscribed'/>");
        AssertItem(SinglePush(frames, alice), "bob@localhost", "both");
        AssertItem(SinglePush(frames, bob), "alice@localhost", "both");
        AssertPresence(SinglePresence(frames, bob, "subscribed"), "alice@localhost", "bob@localhost", "subscribed");
        AssertPresence(SinglePresence(frames, bob, ""), "alice@localhost/phone", "bob@localhost", null);

        Assert.Equal("both", RosterOf(_h, "alice@localhost")["bob@localhost"]);
        Assert.Equal("both", RosterOf(_h, "bob@localhost")["alice@localhost"]);
    }

    [Fact]
    public void A_pending_request_is_delivered_after_initial_presence_at_every_login_until_answered()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        Assert.Empty(Presences(_h.Send(alice, "<presence to='bob@localhost' type='subscribe'/>"), alice, "subscribe"));

        for (var login = 1; login <= 2; login++)
        {
            var bob = _h.Start($"bob@localhost/pc{login}");
            Assert.Empty(_h.Take()); // nothing before initial presence
            var stanzas = StanzasTo(_h.Send(bob, "<presence/>"), bob);
            Assert.Equal("presence", stanzas[0].Name.LocalName);
            Assert.Null((string?)stanzas[0].Attribute("type")); // the echo first
            AssertPresence(Assert.Single(stanzas, s => (string?)s.Attribute("type") == "subscribe"), "alice@localhost", "bob@localhost", "subscribe");
            _h.Handle(End(bob));
        }

        var answering = _h.Online("bob@localhost/pc3");
        _h.Send(answering, "<presence to='alice@localhost' type='unsubscribed'/>"); // denied
        _h.Handle(End(answering));
        Assert.Equal("none", RosterOf(_h, "alice@localhost")["bob@localhost"]);

        var later = _h.Start("bob@localhost/pc4");
        Assert.DoesNotContain(StanzasTo(_h.Send(later, "<presence/>"), later), s => (string?)s.Attribute("type") == "subscribe");
    }

    [Fact]
    public void Duplicate_requests_and_stray_answers_change_nothing_and_deliver_nothing()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/pc");
        _h.Send(alice, "<presence to='bob@localhost' type='subscribe'/>");

        // A.2.1 None+Pending Out / A.3.1 None+Pending In: no state change, not delivered again
        Assert.Empty(_h.Send(alice, "<presence to='bob@localhost' type='subscribe'/>"));
        // A.3.3 inbound subscribed to carol, who never asked: carol's side records a pre-approval (her push only), bob gets nothing
        var carol = _h.OnlineInterested("carol@localhost/tab");
        var frames = _h.Send(carol, "<presence to='bob@localhost' type='subscribed'/>");
        AssertItem(SinglePush(frames, carol), "bob@localhost", "none", approved: true);
        Assert.Empty(StanzasTo(frames, bob));
        // A.2.4 unsubscribed with nothing to deny or cancel: not routed
        Assert.Empty(_h.Send(carol, "<presence to='alice@localhost' type='unsubscribed'/>"));
        // A.3.2 unsubscribe to someone not subscribed: not delivered
        frames = _h.Send(carol, "<presence to='alice@localhost' type='unsubscribe'/>");
        Assert.Empty(StanzasTo(frames, alice));

        Assert.Equal(new() { ["bob@localhost"] = "none+ask" }, RosterOf(_h, "alice@localhost"));
        Assert.Empty(RosterOf(_h, "bob@localhost"));
    }

    [Fact]
    public void Pre_approval_answers_the_later_request_at_once()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/pc");

        // §3.4.1: alice pre-approves bob: an item with approved='true', nothing routed
        var frames = _h.Send(alice, "<presence to='bob@localhost' type='subscribed'/>");
        AssertItem(SinglePush(frames, alice), "bob@localhost", "none", approved: true);
        Assert.Empty(StanzasTo(frames, bob));

        // §3.4.2: bob's request is approved by the server; alice is not asked
        frames = _h.Send(bob, "<presence to='alice@localhost' type='subscribe'/>");
        Assert.Empty(Presences(frames, alice, "subscribe"));
        AssertItem(SinglePush(frames, alice), "bob@localhost", "from");
        var bobPushes = Pushes(frames, bob);
        Assert.Equal(2, bobPushes.Count);
        AssertItem(bobPushes[0], "alice@localhost", "none", ask: "subscribe");
        AssertItem(bobPushes[1], "alice@localhost", "to");
        AssertPresence(SinglePresence(frames, bob, "subscribed"), "alice@localhost", "bob@localhost", "subscribed");
        AssertPresence(SinglePresence(frames, bob, ""), "alice@localhost/phone", "bob@localhost", null);
    }

    [Fact]
    public void Unsubscribed_cancels_a_pre_approval_without_routing()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/pc");
        _h.Send(alice, "<presence to='bob@localhost' type='subscribed'/>");

        var frames = _h.Send(alice, "<presence to='bob@localhost' type='unsubscribed'/>");

        AssertItem(SinglePush(frames, alice), "bob@localhost", "none");
        Assert.Empty(StanzasTo(frames, bob));
        frames = _h.Send(bob, "<presence to='alice@localhost' type='subscribe'/>");
        Assert.Single(Presences(frames, alice, "subscribe")); // asked as usual again
    }

    [Fact]
    public void Unsubscribe_ends_the_subscription_and_the_subscriber_sees_the_contact_go_unavailable()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/pc");
        _h.MakeMutual(alice, bob);

        // §3.3: alice no longer wants bob's presence
        var frames = _h.Send(alice, "<presence to='bob@localhost' type='unsubscribe'/>");
        AssertItem(SinglePush(frames, alice), "bob@localhost", "from");
        AssertItem(SinglePush(frames, bob), "alice@localhost", "to");
        AssertPresence(SinglePresence(frames, bob, "unsubscribe"), "alice@localhost", "bob@localhost", "unsubscribe");
        AssertPresence(SinglePresence(frames, alice, "unavailable"), "bob@localhost/pc", "alice@localhost", "unavailable");

        // bob's presence no longer reaches alice; alice's still reaches bob
        Assert.Empty(StanzasTo(_h.Send(bob, "<presence><show>away</show></presence>"), alice));
        Assert.Single(Presences(_h.Send(alice, "<presence><show>dnd</show></presence>"), bob, ""));
    }

    [Fact]
    public void Unsubscribed_cancels_the_contacts_subscription_and_the_contact_sees_the_user_go_unavailable()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/pc");
        _h.MakeMutual(alice, bob);

        // §3.2: alice revokes bob's subscription to her presence
        var frames = _h.Send(alice, "<presence to='bob@localhost' type='unsubscribed'/>");
        AssertItem(SinglePush(frames, alice), "bob@localhost", "to");
        AssertItem(SinglePush(frames, bob), "alice@localhost", "from");
        AssertPresence(SinglePresence(frames, bob, "unsubscribed"), "alice@localhost", "bob@localhost", "unsubscribed");
        AssertPresence(SinglePresence(frames, bob, "unavailable"), "alice@localhost/phone", "bob@localhost", "unavailable");
        Assert.Empty(StanzasTo(_h.Send(alice, "<presence><show>dnd</show></presence>"), bob));
    }

    [Fact]
    public void Removing_a_mutual_contact_sends_unsubscribe_and_unsubscribed()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/pc");
        _h.MakeMutual(alice, bob);

        // §2.5.2
        var frames = _h.Send(alice, "<iq type='set' id='rm'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' subscription='remove'/></query></iq>");
        Assert.Contains(StanzasTo(frames, alice), s => (string?)s.Attribute("id") == "rm" && (string?)s.Attribute("type") == "result");
        AssertItem(SinglePush(frames, alice), "bob@localhost", "remove");
        var bobTypes = Presences(frames, bob).Select(p => (string?)p.Attribute("type")).ToList();
        Assert.Equal(["unsubscribe", "unsubscribed", "unavailable"], bobTypes);
        Assert.All(Presences(frames, bob).Take(2), p => Assert.Equal("alice@localhost", (string?)p.Attribute("from")));
        AssertPresence(SinglePresence(frames, alice, "unavailable"), "bob@localhost/pc", "alice@localhost", "unavailable");
        Assert.Equal(2, Pushes(frames, bob).Count); // both -> to -> none
        AssertItem(Pushes(frames, bob)[^1], "alice@localhost", "none");
        Assert.Empty(RosterOf(_h, "alice@localhost"));
    }

    [Fact]
    public void Subscription_stanzas_to_unknown_users_are_ignored_and_to_oneself_refused()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");

        var frames = _h.Send(alice, "<presence to='nobody@localhost' type='subscribe'/>");
        AssertItem(SinglePush(frames, alice), "nobody@localhost", "none", ask: "subscribe"); // the user's side as usual
        Assert.Single(frames); // §8.5.1: silently ignored on the contact's side

        var error = SingleStanzaTo(_h.Send(alice, "<presence to='alice@localhost' type='subscribe' id='self'/>"), alice);
        Assert.Equal("error", (string?)error.Attribute("type"));
        Assert.Equal("self", (string?)error.Attribute("id"));
        Assert.Equal("not-allowed", ErrorCondition(error));
    }

    [Fact]
    public void A_subscription_request_to_a_full_jid_is_handled_as_to_the_bare_jid()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/pc");

        var frames = _h.Send(alice, "<presence to='bob@localhost/pc' type='subscribe'/>");

        AssertPresence(SinglePresence(frames, bob, "subscribe"), "alice@localhost", "bob@localhost", "subscribe");
        AssertItem(SinglePush(frames, alice), "bob@localhost", "none", ask: "subscribe");
    }

    [Fact]
    public void A_full_roster_refuses_a_new_item_from_a_subscription_with_not_allowed()
    {
        using var h = new SmHarness(o => o.RosterLimit = 1, store: _stores.NewStore());
        h.CreateUser("alice");
        h.CreateUser("bob");
        var alice = h.OnlineInterested("alice@localhost/phone");
        h.Send(alice, "<iq type='set' id='s1'><query xmlns='jabber:iq:roster'><item jid='carol@localhost'/></query></iq>");
        h.Take();

        var error = SingleStanzaTo(h.Send(alice, "<presence to='bob@localhost' type='subscribe' id='p1'/>"), alice);

        Assert.Equal("not-allowed", ErrorCondition(error));
        Assert.Equal("cancel", (string?)error.Element(C("error"))!.Attribute("type"));
        Assert.Equal("p1", (string?)error.Attribute("id"));
        Assert.False(h.Storage.HasRequest("bob@localhost", "alice@localhost"));
    }

    [Fact]
    public void Pending_requests_and_roster_go_with_a_deleted_account()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        _h.Send(alice, "<presence to='bob@localhost' type='subscribe'/>");
        Assert.True(_h.Storage.HasRequest("bob@localhost", "alice@localhost"));

        var answer = _h.Request(Ctl, new Session { Action = Session.Types.Action.Delete, Target = "bob@localhost" });

        Assert.Equal(Session.Types.Action.Deleted, answer.Session.Action);
        Assert.Empty(_h.Storage.GetRequests("bob@localhost"));
    }
}

public sealed class SubscriptionTestsOnSqlite() : SubscriptionTests(StoreProviders.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class SubscriptionTestsOnPostgres(PostgresFixture postgres) : SubscriptionTests(postgres);
