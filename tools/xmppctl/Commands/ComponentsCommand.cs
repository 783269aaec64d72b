using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Xmpp.Common.Link;
using Xmpp.Protos;

namespace Xmpp.Tools.Ctl.Commands;

/// <summary>
/// components: the addresses bound on the router now (Router.Components, admin certificates only),
/// one line each: address, peer, since (UTC). Service components are the component/&lt;domain&gt; lines.
/// <code>component/conference.localhost  ipv4:127.0.0.1:40522  2026-01-01T00:00:00Z</code>
/// </summary>
internal sealed class ComponentsCommand : ICommand
{
    public string Name => "components";
    public string Arguments => "";
    public int ArgumentCount => 0;
    public string Description => "list the components bound on the router (services are component/<domain>)";

    public async Task<int> RunAsync(CtlContext context, IReadOnlyList<string> args, CancellationToken ct)
    {
        using var router = RouterClientHandle.Open(context);
        if (router is null) return 1;
        var client = router.Client;
        try
        {
            var list = await client.ComponentsAsync(new ComponentsRequest(), deadline: DateTime.UtcNow + CtlContext.ConnectTimeout, cancellationToken: ct);
            foreach (var c in list.Components)
                context.Out.WriteLine($"{c.Address}  {c.Peer}  {c.Since.ToDateTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}");
            return 0;
        }
        catch (RpcException e)
        {
            context.Err.WriteLine(e.StatusCode == StatusCode.DeadlineExceeded
                ? $"error: router not reachable at {context.RouterAddress}"
                : $"error: router at {context.RouterAddress}: {e.Status.Detail} ({e.StatusCode})");
            return 1;
        }
    }
}
