using Xmpp.Sm.Modules.Im;

namespace Xmpp.Sm.Tests;

/// <summary>
/// RFC 6121 Appendix A, row by row: "route?"/"deliver?" and the new state for each existing state
/// and each subscription stanza, outbound (A.2) and inbound (A.3), plus the pre-approval rows (§3.4).
/// "no state change" rows are written with the same state on both sides.
/// </summary>
public sealed class SubscriptionTableTests
{
    [Theory]
    // A.2.1 subscribe: always routed
    [InlineData("None", "subscribe", true, "None + Pending Out")]
    [InlineData("None + Pending Out", "subscribe", true, "None + Pending Out")]
    [InlineData("None + Pending In", "subscribe", true, "None + Pending Out+In")]
    [InlineData("None + Pending Out+In", "subscribe", true, "None + Pending Out+In")]
    [InlineData("To", "subscribe", true, "To")]
    [InlineData("To + Pending In", "subscribe", true, "To + Pending In")]
    [InlineData("From", "subscribe", true, "From + Pending Out")]
    [InlineData("From + Pending Out", "subscribe", true, "From + Pending Out")]
    [InlineData("Both", "subscribe", true, "Both")]
    // A.2.2 unsubscribe: always routed
    [InlineData("None", "unsubscribe", true, "None")]
    [InlineData("None + Pending Out", "unsubscribe", true, "None")]
    [InlineData("None + Pending In", "unsubscribe", true, "None + Pending In")]
    [InlineData("None + Pending Out+In", "unsubscribe", true, "None + Pending In")]
    [InlineData("To", "unsubscribe", true, "None")]
    [InlineData("To + Pending In", "unsubscribe", true, "None + Pending In")]
    [InlineData("From", "unsubscribe", true, "From")]
    [InlineData("From + Pending Out", "unsubscribe", true, "From")]
    [InlineData("Both", "unsubscribe", true, "From")]
    // A.2.3 subscribed: routed only as the answer to a pending request
    [InlineData("None + Pending In", "subscribed", true, "From")]
    [InlineData("None + Pending Out+In", "subscribed", true, "From + Pending Out")]
    [InlineData("To + Pending In", "subscribed", true, "Both")]
    [InlineData("From", "subscribed", false, "From")]
    [InlineData("From + Pending Out", "subscribed", false, "From + Pending Out")]
    [InlineData("Both", "subscribed", false, "Both")]
    // ... and otherwise recorded as a pre-approval (§3.4), not routed
    [InlineData("None", "subscribed", false, "None + Pre-Approved")]
    [InlineData("None + Pending Out", "subscribed", false, "None + Pending Out + Pre-Approved")]
    [InlineData("To", "subscribed", false, "To + Pre-Approved")]
    [InlineData("None + Pre-Approved", "subscribed", false, "None + Pre-Approved")]
    // A.2.4 unsubscribed: routed when it denies a request or cancels the contact's subscription
    [InlineData("None", "unsubscribed", false, "None")]
    [InlineData("None + Pending Out", "unsubscribed", false, "None + Pending Out")]
    [InlineData("None + Pending In", "unsubscribed", true, "None")]
    [InlineData("None + Pending Out+In", "unsubscribed", true, "None + Pending Out")]
    [InlineData("To", "unsubscribed", false, "To")]
    [InlineData("To + Pending In", "unsubscribed", true, "To")]
    [InlineData("From", "unsubscribed", true, "None")]
    [InlineData("From + Pending Out", "unsubscribed", true, "None + Pending Out")]
    [InlineData("Both", "unsubscribed", true, "To")]
    // ... and cancels a pre-approval (§3.4), not routed
    [InlineData("None + Pre-Approved", "unsubscribed", false, "None")]
    [InlineData("To + Pre-Approved", "unsubscribed", false, "To")]
    public void A_2_outbound(string before, string type, bool routed, string after)
    {
        var outcome = SubscriptionRules.Outbound(SubscriptionState.Parse(before), type);

        Assert.Equal(routed, outcome.Pass);
        Assert.Equal(after, outcome.Next.ToString());
        Assert.False(outcome.AutoReply);
    }

    [Theory]
    // A.3.1 subscribe
    [InlineData("None", "subscribe", true, "None + Pending In", false)]
    [InlineData("None + Pending Out", "subscribe", true, "None + Pending Out+In", false)]
    [InlineData("None + Pending In", "subscribe", false, "None + Pending In", false)]
    [InlineData("None + Pending Out+In", "subscribe", false, "None + Pending Out+In", false)]
    [InlineData("To", "subscribe", true, "To + Pending In", false)]
    [InlineData("To + Pending In", "subscribe", false, "To + Pending In", false)]
    [InlineData("From", "subscribe", false, "From", true)]
    [InlineData("From + Pending Out", "subscribe", false, "From + Pending Out", true)]
    [InlineData("Both", "subscribe", false, "Both", true)]
    // ... from a pre-approved contact (§3.4): approved at once, not delivered
    [InlineData("None + Pre-Approved", "subscribe", false, "From", true)]
    [InlineData("None + Pending Out + Pre-Approved", "subscribe", false, "From + Pending Out", true)]
    [InlineData("To + Pre-Approved", "subscribe", false, "Both", true)]
    // A.3.2 unsubscribe
    [InlineData("None", "unsubscribe", false, "None", false)]
    [InlineData("None + Pending Out", "unsubscribe", false, "None + Pending Out", false)]
    [InlineData("None + Pending In", "unsubscribe", true, "None", false)]
    [InlineData("None + Pending Out+In", "unsubscribe", true, "None + Pending Out", false)]
    [InlineData("To", "unsubscribe", false, "To", false)]
    [InlineData("To + Pending In", "unsubscribe", true, "To", false)]
    [InlineData("From", "unsubscribe", true, "None", false)]
    [InlineData("From + Pending Out", "unsubscribe", true, "None + Pending Out", false)]
    [InlineData("Both", "unsubscribe", true, "To", false)]
    // A.3.3 subscribed
    [InlineData("None", "subscribed", false, "None", false)]
    [InlineData("None + Pending Out", "subscribed", true, "To", false)]
    [InlineData("None + Pending In", "subscribed", false, "None + Pending In", false)]
    [InlineData("None + Pending Out+In", "subscribed", true, "To + Pending In", false)]
    [InlineData("To", "subscribed", false, "To", false)]
    [InlineData("To + Pending In", "subscribed", false, "To + Pending In", false)]
    [InlineData("From", "subscribed", false, "From", false)]
    [InlineData("From + Pending Out", "subscribed", true, "Both", false)]
    [InlineData("Both", "subscribed", false, "Both", false)]
    // A.3.4 unsubscribed
    [InlineData("None", "unsubscribed", false, "None", false)]
    [InlineData("None + Pending Out", "unsubscribed", true, "None", false)]
    [InlineData("None + Pending In", "unsubscribed", false, "None + Pending In", false)]
    [InlineData("None + Pending Out+In", "unsubscribed", true, "None + Pending In", false)]
    [InlineData("To", "unsubscribed", true, "None", false)]
    [InlineData("To + Pending In", "unsubscribed", true, "None + Pending In", false)]
    [InlineData("From", "unsubscribed", false, "From", false)]
    [InlineData("From + Pending Out", "unsubscribed", true, "From", false)]
    [InlineData("Both", "unsubscribed", true, "From", false)]
    // §4.3.2: an unsubscribed answering a probe never cancels a pre-approval
    [InlineData("To + Pre-Approved", "unsubscribed", true, "None + Pre-Approved", false)]
    public void A_3_inbound(string before, string type, bool delivered, string after, bool autoReply)
    {
        var outcome = SubscriptionRules.Inbound(SubscriptionState.Parse(before), type);

        Assert.Equal(delivered, outcome.Pass);
        Assert.Equal(after, outcome.Next.ToString());
        Assert.Equal(autoReply, outcome.AutoReply);
    }

    [Theory]
    [InlineData("None", "none", null)]
    [InlineData("None + Pending Out", "none", "subscribe")]
    [InlineData("None + Pending In", "none", null)]
    [InlineData("To + Pending In", "to", null)]
    [InlineData("From + Pending Out", "from", "subscribe")]
    [InlineData("Both", "both", null)]
    public void The_roster_item_shows_subscription_and_ask_but_not_a_pending_inbound_request(string state, string subscription, string? ask)
    {
        var s = SubscriptionState.Parse(state);

        Assert.Equal(subscription, s.Subscription);
        Assert.Equal(ask, s.Ask);
    }

    [Fact]
    public void Every_state_and_type_has_an_answer_and_never_reaches_an_impossible_state()
    {
        string[] states = ["None", "None + Pending Out", "None + Pending In", "None + Pending Out+In", "To", "To + Pending In", "From", "From + Pending Out", "Both"];
        foreach (var name in states)
        foreach (var type in new[] { "subscribe", "subscribed", "unsubscribe", "unsubscribed" })
        {
            var s = SubscriptionState.Parse(name);
            foreach (var next in new[] { SubscriptionRules.Outbound(s, type).Next, SubscriptionRules.Inbound(s, type).Next })
            {
                Assert.False(next.To && next.PendingOut, $"{name} + {type} -> {next}: 'ask' while subscribed");
                Assert.False(next.From && next.PendingIn, $"{name} + {type} -> {next}: a pending request while the contact is subscribed");
            }
        }
        Assert.Throws<ArgumentException>(() => SubscriptionRules.Outbound(SubscriptionState.None, "probe"));
    }
}
