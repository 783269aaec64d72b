using Grpc.Core;
using Microsoft.Extensions.Options;
using Xmpp.Common.Link;
using Xmpp.Common.Pki;
using Xmpp.Protos;
using Xmpp.Router.Routing;
using Xmpp.Router.Telemetry;

namespace Xmpp.Router.Services;

/// <summary>The Router.Link gRPC endpoint: one call per component for its whole life.</summary>
public sealed partial class RouterService(RoutingTable table, FrameRouter router, TrafficTap tap, RouterShutdown shutdown, IOptions<RouterOptions> options, ILogger<RouterService> logger)
    : Xmpp.Protos.Router.RouterBase
{
    public override async Task Link(IAsyncStreamReader<FrameBatch> requestStream, IServerStreamWriter<FrameBatch> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var link = new ComponentLink(context.Peer, options.Value.MaxQueueBytesPerComponent, options.Value.MaxBatchBytes);
        link.Orphaned = router.ReturnGone;

        if (!await requestStream.MoveNext(ct) || requestStream.Current.Frames is not [{ BodyCase: Frame.BodyOneofCase.Bind } bind, ..] first)
        {
            await responseStream.WriteAsync(One(new Frame { BindResult = new BindResult { Ok = false, Reason = "the first frame must be a bind" } }), ct);
            return;
        }
        var identity = IdentityOf(context);
        var forbidden = identity is null ? "the link has no component certificate" : LinkPermissions.CheckBind(identity, bind.Bind.Addresses);
        if (forbidden is not null)
        {
            logger.LogWarning("Bind of {Addresses} from {Peer} ({Identity}) refused: {Reason}",
                string.Join(",", bind.Bind.Addresses), context.Peer, identity?.ToString() ?? "no identity", forbidden);
            RouterTelemetry.Refused(RouterTelemetry.RefusalBind);
            await responseStream.WriteAsync(One(new Frame { BindResult = new BindResult { Ok = false, Reason = forbidden } }), ct);
            return;
        }
        var refusal = table.TryBind(link, bind.Bind.Addresses);
        if (refusal is not null)
        {
            logger.LogWarning("Bind from {Peer} refused: {Reason}", context.Peer, refusal);
            await responseStream.WriteAsync(One(new Frame { BindResult = new BindResult { Ok = false, Reason = refusal } }), ct);
            return;
        }

        logger.LogInformation("Component {Component} bound from {Peer} as {Identity}", link, context.Peer, identity);
        RouterTelemetry.ComponentLinked();
        await responseStream.WriteAsync(One(new Frame { BindResult = new BindResult { Ok = true } }), ct);
        link.Attach(responseStream, ct);
        var touched = new List<ComponentLink>(4); // destinations with frames of the current batch queued
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(ct, shutdown.HardStop);
        shutdown.Reading();
        if (shutdown.Stopping) // bound while the stop began: it hears the router is going too
            link.TryEnqueue(new Frame { From = RouterLink.RouterEventAddress, Component = new ComponentEvent { Address = RouterLink.RouterEventAddress, Up = false } });
        try
        {
            try
            {
                RouteBatch(link, identity!, first, 1, touched);
                while (await requestStream.MoveNext(reading.Token))
                    RouteBatch(link, identity!, requestStream.Current.Frames, 0, touched);
            }
            finally
            {
                shutdown.ReadDone();
            }
            // The component half-closed (it heard the router is stopping): write out what waits for it.
            await shutdown.DrainAsync(link);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or RpcException)
        {
            // The component went away; unbinding below is the whole of the cleanup.
        }
        finally
        {
            table.Unbind(link);
            link.Close();
            RouterTelemetry.ComponentUnlinked();
            logger.LogInformation("Component {Component} unbound", link);
        }
    }

    /// <summary>
    /// Routes the frames of one incoming batch and writes each destination's share as outgoing
    /// batches of up to <see cref="FramesPerWrite"/> frames: few writes, and a large incoming batch
    /// still reaches its destinations in pieces they can work on while the rest is routed.
    /// </summary>
    private void RouteBatch(ComponentLink sender, ComponentIdentity identity, IList<Frame> frames, int from, List<ComponentLink> touched)
    {
        try
        {
            for (var i = from; i < frames.Count; i++)
            {
                if (LinkPermissions.CheckFrame(identity, frames[i]) is { } forbidden)
                {
                    Refuse(sender, identity, frames[i], forbidden);
                    continue;
                }
                if (router.Route(sender, frames[i]) is { } destination && !touched.Contains(destination))
                    touched.Add(destination);
                if ((i - from + 1) % FramesPerWrite == 0) WriteTouched(touched);
            }
        }
        finally
        {
            WriteTouched(touched);
        }
    }

    private const int FramesPerWrite = 16;

    /// <summary>Answers a frame outside the sender's role (failed "forbidden", or ROUTE_FORBIDDEN), logs and counts it.</summary>
    private void Refuse(ComponentLink sender, ComponentIdentity identity, Frame frame, string reason)
    {
        logger.LogWarning("Frame from {Sender} ({Identity}, {Peer}) to {To} refused: {Reason}", sender, identity, sender.Peer, frame.To, reason);
        RouterTelemetry.Refused(RouterTelemetry.RefusalAction);
        tap.Publish(frame, RouteError.Types.Code.RouteForbidden);
        // Within the sender's byte bound: a sender flooding forbidden frames gets no answer beyond it (each refusal is still logged and counted).
        if (!FrameRouter.IsReturnedFailure(frame))
            sender.Enqueue(FrameRouter.Answer(frame, RouteError.Types.Code.RouteForbidden, reason, LinkPermissions.ForbiddenReason));
    }

    /// <summary>The component identity named by the link's client certificate (checked against the CA during the TLS handshake).</summary>
    private static ComponentIdentity? IdentityOf(ServerCallContext context) =>
        context.GetHttpContext().Connection.ClientCertificate is { } certificate ? ComponentIdentity.FromCertificate(certificate) : null;

    private static void WriteTouched(List<ComponentLink> touched)
    {
        foreach (var destination in touched) destination.WriteQueued();
        touched.Clear();
    }

    private static FrameBatch One(Frame frame) => new() { Frames = { frame } };

    /// <summary>Router.Watch: streams a summary of every routed frame matching the request until the caller cancels.</summary>
    public override async Task Watch(WatchRequest request, IServerStreamWriter<RoutedFrame> responseStream, ServerCallContext context)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, shutdown.HardStop); // a stop ends watches too
        var ct = watching.Token;
        var identity = IdentityOf(context);
        if (identity is null || !LinkPermissions.MayWatch(identity))
        {
            logger.LogWarning("Watch from {Peer} ({Identity}) refused: only an admin certificate may watch routed traffic", context.Peer, identity?.ToString() ?? "no identity");
            RouterTelemetry.Refused(RouterTelemetry.RefusalWatch);
            throw new RpcException(new Status(StatusCode.PermissionDenied, "only an admin certificate may watch routed traffic"));
        }
        using var watcher = tap.Subscribe(request);
        logger.LogInformation("Watch from {Peer} started (jid '{Jid}', component '{Component}')", context.Peer, request.Jid, request.Component);
        try
        {
            // Headers tell the caller the watch is in place: every frame routed from now on is reported.
            await context.WriteResponseHeadersAsync([new Metadata.Entry("xmpp-watch", "started")]);
            await foreach (var summary in watcher.Reader.ReadAllAsync(ct))
                await responseStream.WriteAsync(summary, ct);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The watcher went away.
        }
        logger.LogInformation("Watch from {Peer} ended", context.Peer);
    }
}
