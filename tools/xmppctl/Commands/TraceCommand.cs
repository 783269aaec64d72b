using System.Globalization;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Xmpp.Common.Link;
using Xmpp.Protos;

namespace Xmpp.Tools.Ctl.Commands;

/// <summary>
/// trace [--jid J] [--component C] [--count N] [--seconds S]: streams what the router forwards
/// (Router.Watch, which the router allows only to an admin certificate), one line per frame,
/// until Ctrl-C, N frames or S seconds. Never shows stanzas (the router never sends them):
/// <code>12:00:01.234 c2s/c2s-1 -> sm/localhost packet message/chat alice@localhost/phone -> bob@localhost 231B c2s=7 sm=9f3a61c2e07b4d11 trace=4bf9...4736 span=00f0...02b7</code>
/// </summary>
internal sealed class TraceCommand : ICommand
{
    /// <summary>The response header the router sends once a watch is in place (protos/router.proto, Router.Watch).</summary>
    public const string WatchStartedHeader = "xmpp-watch";

    public string Name => "trace";
    public string Arguments => "[--jid J] [--component C] [--count N] [--seconds S]";
    public int ArgumentCount => -1;
    public string Description => "show the frames the router forwards, live (Ctrl-C stops)";

    public async Task<int> RunAsync(CtlContext context, IReadOnlyList<string> args, CancellationToken ct)
    {
        var request = new WatchRequest();
        int? count = null;
        double? seconds = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var eq = arg.IndexOf('=');
            var name = eq < 0 ? arg : arg[..eq];
            string? value = eq < 0 ? (i + 1 < args.Count ? args[++i] : null) : arg[(eq + 1)..];
            if (value is null)
            {
                context.Err.WriteLine($"error: option {name} needs a value");
                return 2;
            }
            switch (name)
            {
                case "--jid": request.Jid = value; break;
                case "--component": request.Component = value; break;
                case "--count" when int.TryParse(value, CultureInfo.InvariantCulture, out var n) && n > 0: count = n; break;
                case "--seconds" when double.TryParse(value, CultureInfo.InvariantCulture, out var s) && s > 0: seconds = s; break;
                default:
                    context.Err.WriteLine($"error: bad option {arg}{(eq < 0 ? " " + value : "")}; usage: xmppctl trace {Arguments}");
                    return 2;
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (seconds is { } limit) stop.CancelAfter(TimeSpan.FromSeconds(limit));
        using var router = RouterClientHandle.Open(context);
        if (router is null) return 1;
        var client = router.Client;
        var shown = 0;
        try
        {
            using var call = client.Watch(request, cancellationToken: stop.Token);
            try
            {
                var headers = await call.ResponseHeadersAsync.WaitAsync(CtlContext.ConnectTimeout, stop.Token);
                // The router marks the headers of a watch in place; a refusal (PermissionDenied for a
                // certificate that is not an admin's) comes without: reading the stream throws its status.
                if (headers.Get(WatchStartedHeader) is null && !await call.ResponseStream.MoveNext(stop.Token))
                {
                    context.Err.WriteLine($"error: router at {context.RouterAddress} ended the watch at once");
                    return 1;
                }
            }
            catch (TimeoutException)
            {
                context.Err.WriteLine($"error: router not reachable at {context.RouterAddress}");
                return 1;
            }
            var filter = string.Join(" ", new[] { request.Jid.Length > 0 ? $"jid {request.Jid}" : null, request.Component.Length > 0 ? $"component {request.Component}" : null }.Where(f => f is not null));
            context.Err.WriteLine($"watching the frames routed by {context.RouterAddress}{(filter.Length > 0 ? " for " + filter : "")} (Ctrl-C stops)");
            context.Err.Flush();
            while (await call.ResponseStream.MoveNext(stop.Token))
            {
                context.Out.WriteLine(Format(call.ResponseStream.Current));
                context.Out.Flush();
                if (++shown == count) break;
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled || stop.IsCancellationRequested)
        {
            // Ctrl-C or --seconds: a normal end.
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (RpcException e)
        {
            context.Err.WriteLine($"error: router at {context.RouterAddress}: {e.Status.Detail} ({e.StatusCode})");
            return 1;
        }
        if (ct.IsCancellationRequested) return 0; // Ctrl-C
        return count is null || shown == count ? 0 : 1;
    }

    /// <summary>One line: time, route, body, what it carries, size, session ids, trace and span id.</summary>
    public static string Format(RoutedFrame f)
    {
        var sb = new StringBuilder();
        sb.Append(f.Time.ToDateTime().ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture));
        sb.Append(' ').Append(f.From).Append(" -> ").Append(f.To).Append(' ').Append(f.Body);
        switch (f.Body)
        {
            case "packet":
                sb.Append(' ').Append(f.StanzaKind);
                if (f.StanzaType.Length > 0) sb.Append('/').Append(f.StanzaType);
                sb.Append(' ').Append(f.StanzaFrom.Length > 0 ? f.StanzaFrom : "-").Append(" -> ").Append(f.StanzaTo.Length > 0 ? f.StanzaTo : "-");
                break;
            case "session":
                sb.Append(' ').Append(f.Action);
                if (f.Target.Length > 0) sb.Append(' ').Append(f.Target);
                if (f.Failed) sb.Append(" failed");
                if (f.Reason.Length > 0) sb.Append(" reason=").Append(f.Reason);
                break;
        }
        sb.Append(' ').Append(f.Size.ToString(CultureInfo.InvariantCulture)).Append('B');
        if (f.C2SSession.Length > 0) sb.Append(" c2s=").Append(f.C2SSession);
        if (f.SmSession.Length > 0) sb.Append(" sm=").Append(f.SmSession);
        if (f.RouteError != RouteError.Types.Code.RouteErrorNone) sb.Append(" route-error=").Append(Xmpp.Common.Telemetry.FrameTrace.CodeName(f.RouteError));
        sb.Append(" trace=").Append(f.TraceId.Length > 0 ? f.TraceId : "-");
        sb.Append(" span=").Append(f.SpanId.Length > 0 ? f.SpanId : "-");
        return sb.ToString();
    }
}
