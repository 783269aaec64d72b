using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Modules.Im;

/// <summary>
/// The presence subscription state of one contact in one user's roster, as RFC 6121 Appendix A
/// names it ("None + Pending Out", "To + Pending In", "Both", ...), plus the pre-approval flag of
/// §3.4. <see cref="To"/>: the user receives the contact's presence; <see cref="From"/>: the
/// contact receives the user's; <see cref="PendingOut"/>: the user asked and the contact has not
/// answered (ask='subscribe'); <see cref="PendingIn"/>: the contact asked and the user has not
/// answered (kept apart from the roster item, see <see cref="ISubscriptionRequestStore"/>).
/// </summary>
public readonly record struct SubscriptionState(bool To, bool From, bool PendingOut = false, bool PendingIn = false, bool PreApproved = false)
{
    public static readonly SubscriptionState None = default;

    /// <summary>The roster item's 'subscription' attribute.</summary>
    public string Subscription => (To, From) switch
    {
        (true, true) => RosterItem.Both,
        (true, false) => RosterItem.To,
        (false, true) => RosterItem.From,
        _ => RosterItem.None,
    };

    /// <summary>The roster item's 'ask' attribute.</summary>
    public string? Ask => PendingOut ? RosterItem.AskSubscribe : null;

    /// <summary>Whether the state shows in a roster item at all (pending-in alone does not, RFC 6121 §3.1.3).</summary>
    public bool IsVisible => To || From || PendingOut || PreApproved;

    /// <summary>What a roster item shows of the state: subscription, ask and approved.</summary>
    public (string Subscription, string? Ask, bool Approved) Visible => (Subscription, Ask, PreApproved);

    public static SubscriptionState Of(RosterItem? item, bool pendingIn) => new(
        To: item?.Subscription is RosterItem.To or RosterItem.Both,
        From: item?.Subscription is RosterItem.From or RosterItem.Both,
        PendingOut: item?.Ask == RosterItem.AskSubscribe,
        PendingIn: pendingIn,
        PreApproved: item?.Approved == true);

    /// <summary>RFC 6121 Appendix A's name, e.g. "None + Pending Out+In" (" + Pre-Approved" appended when set).</summary>
    public override string ToString()
    {
        var name = (To, From) switch { (true, true) => "Both", (true, false) => "To", (false, true) => "From", _ => "None" };
        var pending = (PendingOut, PendingIn) switch
        {
            (true, true) => " + Pending Out+In",
            (true, false) => " + Pending Out",
            (false, true) => " + Pending In",
            _ => "",
        };
        return name + pending + (PreApproved ? " + Pre-Approved" : "");
    }

    /// <summary>Parses the Appendix A names (as <see cref="ToString"/> writes them).</summary>
    public static SubscriptionState Parse(string name)
    {
        var parts = name.Split('+', StringSplitOptions.TrimEntries);
        var state = parts[0] switch
        {
            "None" => None,
            "To" => new SubscriptionState(To: true, From: false),
            "From" => new SubscriptionState(To: false, From: true),
            "Both" => new SubscriptionState(To: true, From: true),
            _ => throw new FormatException($"unknown subscription state '{name}'"),
        };
        for (var i = 1; i < parts.Length; i++)
        {
            state = parts[i] switch
            {
                "Pending Out" => state with { PendingOut = true },
                "In" or "Pending In" => state with { PendingIn = true },
                "Pre-Approved" => state with { PreApproved = true },
                _ => throw new FormatException($"unknown subscription state '{name}'"),
            };
        }
        return state;
    }
}
