using Xmpp.Common;
using Xmpp.Sm.Core;

namespace Xmpp.Sm.Modules;

/// <summary>XEP-0199 XMPP Ping: the server answers a ping addressed to it.</summary>
public sealed class Ping(SmContext ctx) : IModule
{
    public string Name => "ping";

    public void Load(HookTable hooks)
    {
        hooks.AddFeature(Ns.Ping);
        hooks.Hook($"iq-get/host/{Ns.Ping}:ping", e =>
        {
            ctx.ReplyResult(e);
            return true;
        });
    }
}
