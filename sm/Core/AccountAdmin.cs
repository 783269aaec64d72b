using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Sasl;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Core;

/// <summary>Who asks for an account to be created: an administrator (xmppctl, XEP-0133) or a client registering itself (XEP-0077 through a c2s).</summary>
public enum AccountRequester { Admin, Client }

/// <summary>
/// Raised before an account is created. A listener (a module's policy: registration enabled,
/// names reserved after deletion) refuses by setting <see cref="Refusal"/> to a reason token.
/// </summary>
public sealed class AccountCreating(Jid user, AccountRequester requester)
{
    public Jid User { get; } = user;
    public AccountRequester Requester { get; } = requester;
    public string? Refusal { get; set; }
}

/// <summary>An account was created (after <see cref="AccountCreating"/> let it).</summary>
public sealed record AccountCreated(Jid User, AccountRequester Requester);

/// <summary>An account's credentials were replaced (a password change: PASSWD, XEP-0077, XEP-0133), not a re-derivation of the same password.</summary>
public sealed record CredentialsReplaced(Jid User);

/// <summary>
/// Account administration shared by the session actions (CREATE, DELETE, PASSWD from xmppctl or a
/// c2s) and the modules (XEP-0077 removal, XEP-0133 admin commands): one place that asks the
/// modules' creation policy, deletes with every module's data and ends the user's sessions.
/// </summary>
public sealed class AccountAdmin(SmOptions options, SessionTable sessions, SessionLifecycle lifecycle, SmStorage storage, HookTable hooks, Outbox outbox, ILogger logger)
{
    public const string Conflict = "conflict";

    /// <summary>Set once the modules are loaded (their data goes with a deleted account).</summary>
    internal ModuleData? Data { get; set; }

    /// <summary>Null when created; otherwise the reason ("conflict", or a module's refusal such as "forbidden", "reserved").</summary>
    public string? Create(Jid user, IReadOnlyList<ScramCredentialData> credentials, AccountRequester requester)
    {
        var creating = new AccountCreating(user.Bare, requester);
        hooks.Raise(creating);
        if (creating.Refusal is { } refusal)
        {
            logger.LogInformation("Creation of {User} by {Requester} refused: {Reason}", user.Bare, requester, refusal);
            return refusal;
        }
        if (!storage.Accounts.Create(user.Bare.ToString(), credentials)) return Conflict;
        logger.LogInformation("Account {User} created by {Requester}", user.Bare, requester);
        hooks.Raise(new AccountCreated(user.Bare, requester));
        return null;
    }

    /// <summary>The same password's SCRAM-SHA-1 and SCRAM-SHA-256 keys at Sm:ScramIterations, for passwords that reach sm in admin forms.</summary>
    public IReadOnlyList<ScramCredentialData> Derive(string password) =>
        ScramAlgorithm.DeriveAll(password, options.ScramIterations);

    public bool Exists(Jid user) => storage.Accounts.Exists(user.Bare.ToString());

    /// <summary>Ends the user's sessions (their c2s closes the streams) and deletes the account with every module's data; false if there was none.</summary>
    public bool Delete(Jid user)
    {
        if (!Exists(user)) return false;
        lifecycle.EndAll(sessions.OfUser(user.Bare), EndReasons.UserDeleted, tellC2s: true);
        var deleted = (Data ?? throw new InvalidOperationException("modules not loaded")).DeleteAccount(user.Bare);
        if (deleted) logger.LogInformation("Account {User} deleted with all its data", user.Bare);
        return deleted;
    }

    public bool SetCredentials(Jid user, IReadOnlyList<ScramCredentialData> credentials)
    {
        if (!storage.Accounts.SetCredentials(user.Bare.ToString(), credentials)) return false;
        logger.LogInformation("Credentials of {User} replaced", user.Bare);
        hooks.Raise(new CredentialsReplaced(user.Bare));
        return true;
    }

    /// <summary>
    /// Ends the sessions of <paramref name="jid"/> (a bare JID: all of them; a full JID: that one)
    /// with <see cref="EndReasons.Kicked"/>; returns the full JIDs ended.
    /// </summary>
    public IReadOnlyList<string> Kick(Jid jid)
    {
        var of = jid.IsFull ? (sessions.FindFull(jid) is { } one ? [one] : []) : sessions.OfUser(jid.Bare);
        lifecycle.EndAll(of, EndReasons.Kicked, tellC2s: true);
        if (of.Count > 0) logger.LogInformation("{Count} session(s) of {Jid} ended by an administrator", of.Count, jid);
        return of.Select(s => s.FullJidText).ToArray();
    }

    /// <summary>The full JIDs of the live sessions, sorted.</summary>
    public IReadOnlyList<string> Online() => sessions.All.Select(s => s.FullJidText).Order(StringComparer.Ordinal).ToArray();

    /// <summary>A headline message from the domain to every live session (XEP-0133 announce); returns the full JIDs it went to. The text is never logged.</summary>
    public IReadOnlyList<string> Announce(string? subject, string body)
    {
        var all = sessions.All.ToArray();
        foreach (var session in all)
        {
            var message = new XElement(Stanza.Client + "message",
                new XAttribute("type", "headline"), new XAttribute("from", options.Domain), new XAttribute("to", session.FullJidText));
            if (!string.IsNullOrEmpty(subject)) message.Add(new XElement(Stanza.Client + "subject", subject));
            message.Add(new XElement(Stanza.Client + "body", body));
            outbox.ToSession(session, message);
        }
        logger.LogInformation("Announcement sent to {Count} session(s)", all.Length);
        return all.Select(s => s.FullJidText).ToArray();
    }
}
