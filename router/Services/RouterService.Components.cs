using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Xmpp.Common.Link;
using Xmpp.Protos;
using Xmpp.Router.Telemetry;

namespace Xmpp.Router.Services;

/// <summary>Router.Components: the addresses bound now, for `xmppctl components` (admin certificates only).</summary>
public sealed partial class RouterService
{
    public override Task<ComponentList> Components(ComponentsRequest request, ServerCallContext context)
    {
        var identity = IdentityOf(context);
        if (identity is null || !LinkPermissions.MayListComponents(identity))
        {
            logger.LogWarning("Components request from {Peer} ({Identity}) refused: only an admin certificate may list components", context.Peer, identity?.ToString() ?? "no identity");
            RouterTelemetry.Refused(RouterTelemetry.RefusalComponents);
            throw new RpcException(new Status(StatusCode.PermissionDenied, "only an admin certificate may list the bound components"));
        }
        var list = new ComponentList();
        foreach (var (address, link) in table.Bound())
            list.Components.Add(new BoundComponent { Address = address, Peer = link.Peer, Since = Timestamp.FromDateTimeOffset(link.Since) });
        return Task.FromResult(list);
    }
}
