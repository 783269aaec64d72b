using Grpc.Core;
using Microsoft.Extensions.Options;
using Xmpp.Protos;
using Xmpp.Router.Routing;

namespace Xmpp.Router.Services;

/// <summary>The Router.Link gRPC endpoint: one call per component for its whole life.</summary>
public sealed class RouterService(RoutingTable table, FrameRouter router, IOptions<RouterOptions> options, ILogger<RouterService> logger)
    : Xmpp.Protos.Router.RouterBase
{
    public override async Task Link(IAsyncStreamReader<Frame> requestStream, IServerStreamWriter<Frame> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var link = new ComponentLink(context.Peer, options.Value.ComponentQueueCapacity);

        if (!await requestStream.MoveNext(ct) || requestStream.Current.BodyCase != Frame.BodyOneofCase.Bind)
        {
            await responseStream.WriteAsync(new Frame { BindResult = new BindResult { Ok = false, Reason = "the first frame must be a bind" } }, ct);
            return;
        }
        var refusal = table.TryBind(link, requestStream.Current.Bind.Addresses);
        if (refusal is not null)
        {
            logger.LogWarning("Bind from {Peer} refused: {Reason}", context.Peer, refusal);
            await responseStream.WriteAsync(new Frame { BindResult = new BindResult { Ok = false, Reason = refusal } }, ct);
            return;
        }

        logger.LogInformation("Component {Component} bound from {Peer}", link, context.Peer);
        await responseStream.WriteAsync(new Frame { BindResult = new BindResult { Ok = true } }, ct);
        var writer = WriteOutgoingAsync(link, responseStream, ct);
        try
        {
            while (await requestStream.MoveNext(ct))
                await router.RouteAsync(link, requestStream.Current, ct);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or RpcException)
        {
            // The component went away; unbinding below is the whole of the cleanup.
        }
        finally
        {
            table.Unbind(link);
            link.Close();
            logger.LogInformation("Component {Component} unbound", link);
        }
        try { await writer; } catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException) { }
    }

    private static async Task WriteOutgoingAsync(ComponentLink link, IServerStreamWriter<Frame> stream, CancellationToken ct)
    {
        var reader = link.Outgoing;
        while (await reader.WaitToReadAsync(ct))
            while (reader.TryRead(out var frame))
                await stream.WriteAsync(frame, ct);
    }
}
