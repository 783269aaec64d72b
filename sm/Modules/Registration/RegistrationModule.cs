using System.Globalization;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Modules.Registration;

/// <summary>
/// XEP-0077 In-Band Registration, sm's part. c2s runs the stream-level part (the form before
/// authentication, the CREATE it asks sm for, a logged-in user's password change as a PASSWD with
/// credentials it derives, so the password never crosses the router). Here: whether a c2s may
/// create accounts at all (<see cref="RegistrationOptions.Enabled"/>); the names of deleted
/// accounts, reserved for <see cref="RegistrationOptions.ReservedAfterDelete"/> so that a new
/// owner does not inherit the old one's contacts' trust (an administrator's creation overrides);
/// a logged-in user's query (§3.2: &lt;registered/&gt;) and account removal (§3.2, &lt;remove/&gt;:
/// the result, then the account and all its data deleted and the streams closed).
/// </summary>
public sealed class RegistrationModule(SmContext ctx) : IStoringModule
{
    public const string Namespace = "jabber:iq:register";
    private static readonly XNamespace Ns = Namespace;

    private readonly ILogger _logger = ctx.Logger("Xmpp.Sm.Modules.Registration");
    private readonly RegistrationOptions _options = ctx.Settings<RegistrationOptions>("Registration");

    public string Name => "registration";

    public ModuleSchema Schema { get; } = new("""
        CREATE TABLE registration_reserved (
            user        TEXT PRIMARY KEY,   -- bare JID of a deleted account
            deleted_at  TEXT NOT NULL       -- ISO 8601 UTC
        )
        """);

    public void Load(HookTable hooks)
    {
        hooks.Disco.AddServerFeature(Namespace);
        foreach (var target in new[] { "host", "self" })
        {
            hooks.Hook($"iq-get/{target}/{Namespace}:query", Registered);
            hooks.Hook($"iq-set/{target}/{Namespace}:query", Set);
        }
        hooks.On<AccountCreating>(Creating);
        hooks.On<AccountCreated>(created =>
            ctx.Storage.Modules.Execute("DELETE FROM registration_reserved WHERE user = $user", ("$user", created.User.ToString())));
    }

    /// <summary>The name stays reserved: the tombstone is written in the deletion's transaction.</summary>
    public void DeleteAccount(Jid user) =>
        ctx.Storage.Modules.Execute("""
            INSERT INTO registration_reserved (user, deleted_at) VALUES ($user, $at)
            ON CONFLICT (user) DO UPDATE SET deleted_at = excluded.deleted_at
            """, ("$user", user.ToString()), ("$at", ctx.Clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)));

    private void Creating(AccountCreating creating)
    {
        if (creating.Requester != AccountRequester.Client) return; // an administrator may create any name
        if (!_options.Enabled)
        {
            _logger.LogWarning("In-band registration of {User} refused: Sm:Registration:Enabled is off", creating.User);
            SmTelemetry.RegistrationRefused("disabled");
            creating.Refusal = "forbidden";
            return;
        }
        if (DeletedAt(creating.User) is { } deleted && ctx.Clock.GetUtcNow() - deleted < _options.ReservedAfterDelete)
        {
            _logger.LogInformation("In-band registration of {User} refused: the name is reserved since its deletion at {Deleted}", creating.User, deleted);
            SmTelemetry.RegistrationRefused("reserved");
            creating.Refusal = "reserved";
        }
    }

    private DateTimeOffset? DeletedAt(Jid user) =>
        ctx.Storage.Modules.Query("SELECT deleted_at FROM registration_reserved WHERE user = $user",
            r => DateTimeOffset.Parse(r.GetString(0), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
            ("$user", user.ToString())).Select(d => (DateTimeOffset?)d).FirstOrDefault();

    /// <summary>§3.2 (Example 10 and 11): a registered entity asking gets &lt;registered/&gt; and its username.</summary>
    private bool Registered(StanzaEvent e)
    {
        ctx.ReplyResult(e, new XElement(Ns + "query",
            new XElement(Ns + "registered"),
            new XElement(Ns + "username", e.From.Local),
            new XElement(Ns + "password")));
        return true;
    }

    private bool Set(StanzaEvent e)
    {
        var query = e.Payload!;
        if (query.Element(Ns + "remove") is null)
        {
            // c2s takes a logged-in user's password change (it derives the keys); anything else is not understood.
            ctx.ReplyError(e, StanzaErrors.BadRequest);
            return true;
        }
        var user = e.From.Bare;
        ctx.ReplyResult(e); // §3.2: the result first; then the streams close (the sessions end "user-deleted")
        if (!ctx.Accounts.Delete(user))
            _logger.LogWarning("Removal of {User} found no account", user);
        else
            _logger.LogInformation("Account {User} removed by its owner (XEP-0077)", user);
        return true;
    }
}
