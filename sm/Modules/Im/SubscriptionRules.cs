namespace Xmpp.Sm.Modules.Im;

/// <summary>What happens to one subscription stanza: whether it goes on, the new state, and whether the server answers it itself.</summary>
/// <param name="Pass">Outbound: route the stanza to the contact. Inbound: deliver it to the user's available resources.</param>
/// <param name="Next">The state afterwards (equal to the old one: "no state change").</param>
/// <param name="AutoReply">Inbound subscribe only: the server answers "subscribed" on the user's behalf (RFC 6121 §3.1.3, §3.4).</param>
public readonly record struct SubscriptionOutcome(bool Pass, SubscriptionState Next, bool AutoReply = false);

/// <summary>
/// RFC 6121 Appendix A: the subscription state tables, as a pure function of (state, stanza type).
/// <see cref="Outbound"/> is A.2 (the user's server processing a subscription stanza the user
/// sends); <see cref="Inbound"/> is A.3 (the server processing one that arrives for the user).
/// With pre-approvals (§3.4): an outbound "subscribed" without a pending request records a
/// pre-approval instead of being routed, an outbound "unsubscribed" without a subscription
/// cancels it, and an inbound "subscribe" from a pre-approved contact is approved at once.
/// </summary>
public static class SubscriptionRules
{
    public const string Subscribe = "subscribe";
    public const string Subscribed = "subscribed";
    public const string Unsubscribe = "unsubscribe";
    public const string Unsubscribed = "unsubscribed";

    public static bool IsSubscriptionType(string type) => type is Subscribe or Subscribed or Unsubscribe or Unsubscribed;

    /// <summary>A.2: the user sends <paramref name="type"/> to the contact.</summary>
    public static SubscriptionOutcome Outbound(SubscriptionState s, string type) => type switch
    {
        // A.2.1: always routed; asking again while subscribed changes nothing.
        Subscribe => new(true, s.To ? s : s with { PendingOut = true }),
        // A.2.2: always routed; ends the subscription to the contact and any pending request.
        Unsubscribe => new(true, s with { To = false, PendingOut = false }),
        // A.2.3: approves a pending request; otherwise not routed (a pre-approval, §3.4, unless already From).
        Subscribed when s.PendingIn => new(true, s with { From = true, PendingIn = false, PreApproved = false }),
        Subscribed when s.From => new(false, s),
        Subscribed => new(false, s with { PreApproved = true }),
        // A.2.4: denies a pending request or cancels the contact's subscription; otherwise only cancels a pre-approval.
        Unsubscribed when s.PendingIn || s.From => new(true, s with { From = false, PendingIn = false, PreApproved = false }),
        Unsubscribed => new(false, s with { PreApproved = false }),
        _ => throw new ArgumentException($"not a subscription stanza type: '{type}'", nameof(type)),
    };

    /// <summary>A.3: <paramref name="type"/> arrives from the contact for the user.</summary>
    public static SubscriptionOutcome Inbound(SubscriptionState s, string type) => type switch
    {
        // A.3.1: already subscribed, or pre-approved: the server says "subscribed" for the user.
        Subscribe when s.From => new(false, s, AutoReply: true),
        Subscribe when s.PreApproved => new(false, s with { From = true, PreApproved = false }, AutoReply: true),
        Subscribe when s.PendingIn => new(false, s), // a duplicate: the first request is still pending
        Subscribe => new(true, s with { PendingIn = true }),
        // A.3.2: cancels the contact's subscription (or its pending request).
        Unsubscribe when s.From || s.PendingIn => new(true, s with { From = false, PendingIn = false }),
        Unsubscribe => new(false, s),
        // A.3.3: only an answer to the user's pending request counts.
        Subscribed when s.PendingOut => new(true, s with { To = true, PendingOut = false }),
        Subscribed => new(false, s),
        // A.3.4: denies the user's pending request or cancels the user's subscription.
        Unsubscribed when s.To || s.PendingOut => new(true, s with { To = false, PendingOut = false }),
        Unsubscribed => new(false, s),
        _ => throw new ArgumentException($"not a subscription stanza type: '{type}'", nameof(type)),
    };
}
