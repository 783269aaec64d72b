using System.Xml.Linq;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Core;

/// <summary>
/// What modules see of the session manager (Prosody's module API): the domain, the sessions,
/// storage, the hook table and ways to send stanzas. Everything here runs on sm's single consumer.
/// </summary>
public sealed class SmContext(SmOptions options, SessionTable sessions, SmStorage storage, HookTable hooks, Outbox outbox, TimeProvider clock, ILoggerFactory logs,
    IConfiguration? configuration = null, AccountAdmin? accounts = null)
{
    public SmOptions Options => options;
    public string Domain => options.Domain;
    public SessionTable Sessions => sessions;
    public SmStorage Storage => storage;
    public HookTable Hooks => hooks;
    public Outbox Out => outbox;

    /// <summary>The domain's sm shards: whether this one owns an account, and the hops to the others (<see cref="ShardView"/>).</summary>
    public ShardView Shards { get; } = new(options, outbox, logs.CreateLogger<ShardView>());
    public TimeProvider Clock => clock;
    public ILogger Logger(string category) => logs.CreateLogger(category);

    /// <summary>Account creation, deletion (with every module's data), credentials and ending a user's sessions.</summary>
    public AccountAdmin Accounts => accounts ?? throw new InvalidOperationException("this context has no account administration");

    /// <summary>
    /// A module's own settings, bound from the configuration section "Sm:&lt;section&gt;" (env
    /// <c>Sm__&lt;Section&gt;__Key</c>); defaults (a new <typeparamref name="T"/>) when absent. The
    /// options class lives in the module's folder; its keys go in README.md's configuration table.
    /// </summary>
    public T Settings<T>(string section) where T : class, new() =>
        configuration?.GetSection(SmOptions.Section + ":" + section).Get<T>() ?? new T();

    /// <summary>Whether a bare JID of this domain is a user: sessions prove it, otherwise storage is asked.</summary>
    public bool UserExists(Jid jid) =>
        jid.Domain == Domain && jid.Local is not null &&
        (sessions.OfUser(jid).Count > 0 || storage.Accounts.Exists(jid.Bare.ToString()));

    /// <summary>
    /// Whether <paramref name="requester"/> may see what the account <paramref name="owner"/> shares
    /// with its presence subscribers: it is the owner, or the owner's roster gives it a 'from' or
    /// 'both' subscription (RFC 6121 §3). Disco, ping and last activity on an account use this rule.
    /// </summary>
    public bool SharesPresenceWith(Jid owner, Jid requester)
    {
        if (owner.Bare == requester.Bare) return true;
        var item = storage.Rosters.GetItem(owner.Bare.ToString(), requester.Bare.ToString());
        return item?.Subscription is RosterItem.From or RosterItem.Both;
    }

    /// <summary>Sends a stanza to the session that sent <paramref name="e"/>.</summary>
    public void Reply(StanzaEvent e, XElement reply) => outbox.ToSession(e.Origin, reply);

    /// <summary>An iq result for <paramref name="e"/> carrying <paramref name="payload"/>.</summary>
    public void ReplyResult(StanzaEvent e, XElement? payload = null) => Reply(e, Stanza.Result(e.Stanza, payload));

    /// <summary>
    /// The RFC 6120 §8.3 error reply to the sender, with the condition's default type unless given.
    /// Errors and iq results are never answered with an error (RFC 6120 §8.3.1).
    /// </summary>
    public void ReplyError(StanzaEvent e, string condition, string? type = null) => ReplyError(e.Stanza, e.Origin, condition, type);

    public void ReplyError(XElement stanza, SmSession origin, string condition, string? type = null)
    {
        var stanzaType = (string?)stanza.Attribute("type");
        if (stanzaType == "error" || (stanza.Name.LocalName == "iq" && stanzaType == "result")) return;
        // Every refusal of every module passes here: counted and logged (never the stanza's content).
        Telemetry.SmTelemetry.Refused(stanza.Name.LocalName, condition);
        _refusals.LogDebug("Refused a {Kind} from {From} to {To} ({Payload}): {Condition}", stanza.Name.LocalName, origin.FullJid,
            (string?)stanza.Attribute("to") ?? "(none)", stanza.Name.LocalName == "iq" ? stanza.Elements().FirstOrDefault()?.Name.ToString() : null, condition);
        outbox.ToSession(origin, StanzaErrors.Reply(stanza, type ?? StanzaErrors.DefaultType(condition), condition));
    }

    private readonly ILogger _refusals = logs.CreateLogger("Xmpp.Sm.Refusals");
}
