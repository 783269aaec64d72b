using Xmpp.Common;
using Xmpp.Sm.Core;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Modules.Fast;

/// <summary>
/// XEP-0484 Fast Authentication Streamlining Tokens, sm's side: the token store and its checks
/// (<see cref="FastTokens"/>), used by the AUTH action (sm/Auth/AuthActions.cs) when c2s passes a
/// SASL2 login's FAST elements. c2s advertises FAST inside SASL2's &lt;inline&gt; and relays; it keeps
/// no token. A password change (PASSWD, XEP-0077, XEP-0133) revokes the account's tokens; a
/// deleted account takes them with it. Nothing to show in disco: FAST is a stream feature.
/// </summary>
public sealed class FastModule(SmContext ctx) : IStoringModule
{
    public string Name => "fast";

    public FastTokens Tokens { get; } = new(ctx.Storage.Modules, ctx.Storage.Transactions, ctx.Settings<FastOptions>("Fast"), ctx.Clock, ctx.Logger("Xmpp.Sm.Modules.Fast"));

    public ModuleSchema Schema { get; } = new("""
        CREATE TABLE fast_tokens (
            user       TEXT NOT NULL,      -- bare JID
            client     TEXT NOT NULL,      -- SHA-256 (hex) of the client's SASL2 user-agent id
            slot       TEXT NOT NULL,      -- 'new' (issued, not used yet) or 'current' (used)
            mechanism  TEXT NOT NULL,      -- the HT-* mechanism the token is bound to
            token      TEXT NOT NULL,      -- the secret as issued (the HMAC key)
            issued     INTEGER NOT NULL,   -- unix seconds
            expires    INTEGER NOT NULL,   -- unix seconds
            count      INTEGER NOT NULL,   -- highest XEP-0484 count used with it
            PRIMARY KEY (user, client, slot)
        )
        """);

    public void Load(HookTable hooks) =>
        hooks.On<CredentialsReplaced>(e => Tokens.RevokeAll(e.User, "password-changed"));

    public void DeleteAccount(Jid user) => Tokens.RevokeAll(user, "account-deleted");
}
