using Xmpp.Common;

namespace Xmpp.Sm.Modules.Blocking;

/// <summary>What happens to a stanza a block stops.</summary>
public enum BlockOutcome
{
    /// <summary>Dropped without an answer (logged and counted).</summary>
    Drop,
    /// <summary>Inbound: the sender gets &lt;service-unavailable/&gt;, as if the user were offline (XEP-0191 §3.5).</summary>
    ServiceUnavailable,
    /// <summary>Outbound: the user gets &lt;not-acceptable/&gt; with &lt;blocked xmlns='urn:xmpp:blocking:errors'/&gt; (§3.6).</summary>
    NotAcceptableBlocked,
}

/// <summary>
/// XEP-0191's pure rules: which blocked item matches a JID (the XEP-0016 §2.1 JID matching it
/// refers to), and what becomes of a stanza a block stops, in each direction.
/// </summary>
public static class BlockRules
{
    /// <summary>
    /// The forms of <paramref name="jid"/> an item can name to match it: &lt;user@domain/resource&gt;,
    /// &lt;user@domain&gt;, &lt;domain/resource&gt;, &lt;domain&gt; (XEP-0016 §2.1, in that order).
    /// </summary>
    public static IEnumerable<string> MatchingItems(Jid jid)
    {
        if (jid.Local is not null)
        {
            if (jid.Resource is not null) yield return jid.ToString();
            yield return jid.Local + "@" + jid.Domain;
        }
        if (jid.Resource is not null) yield return jid.Domain + "/" + jid.Resource;
        yield return jid.Domain;
    }

    public static bool Matches(IReadOnlySet<string> items, Jid jid)
    {
        if (items.Count == 0) return false;
        foreach (var form in MatchingItems(jid))
            if (items.Contains(form)) return true;
        return false;
    }

    /// <summary>§3.5: a stanza from a blocked JID to the user: presence dropped, messages and iq requests refused, the rest dropped.</summary>
    public static BlockOutcome Inbound(string kind, string type) => kind switch
    {
        "message" when type is "" or "normal" or "chat" => BlockOutcome.ServiceUnavailable,
        "iq" when type is "get" or "set" => BlockOutcome.ServiceUnavailable,
        _ => BlockOutcome.Drop,
    };

    /// <summary>
    /// §3.6: the user's own stanza to a JID they blocked: messages and iq requests get the blocked
    /// error; presence, errors and iq results are dropped (Prosody does the same: a presence error
    /// would confuse clients, and an error is never answered with an error).
    /// </summary>
    public static BlockOutcome Outbound(string kind, string type) => kind switch
    {
        "message" when type != "error" => BlockOutcome.NotAcceptableBlocked,
        "iq" when type is "get" or "set" => BlockOutcome.NotAcceptableBlocked,
        _ => BlockOutcome.Drop,
    };
}
