using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;

namespace Xmpp.Sm.Modules.Ping;

/// <summary>
/// XEP-0199 XMPP Ping: the server answers a ping addressed to it (§4.2, client-to-server). A ping
/// to an account's bare JID (or with no 'to') is an iq to the bare JID, which the server handles
/// on the account's behalf (RFC 6121 §8.5.2.1.3; ejabberd answers these too): answered for the
/// account itself and the contacts it shares presence with, &lt;service-unavailable/&gt; for anyone
/// else and for JIDs that are no account (so a ping does not reveal whether an account exists).
/// A ping to a full JID is delivered to that resource (client-to-client, §4.4).
/// </summary>
public sealed class PingModule(SmContext ctx) : IModule
{
    public string Name => "ping";

    public void Load(HookTable hooks)
    {
        hooks.Disco.AddServerFeature(Ns.Ping);
        hooks.Disco.AddAccountFeature(Ns.Ping);
        hooks.Hook($"iq-get/host/{Ns.Ping}:ping", Pong);
        hooks.Hook($"iq-get/bare/{Ns.Ping}:ping", e =>
            ctx.UserExists(e.To!.Bare) && ctx.SharesPresenceWith(e.To.Bare, e.From) ? Pong(e) : Refuse(e));
    }

    private bool Pong(StanzaEvent e)
    {
        ctx.ReplyResult(e);
        return true;
    }

    private bool Refuse(StanzaEvent e)
    {
        ctx.ReplyError(e, StanzaErrors.ServiceUnavailable);
        return true;
    }
}
