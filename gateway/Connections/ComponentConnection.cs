using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security;
using System.Text;
using System.Xml.Linq;
using Google.Protobuf;
using Xmpp.Common;
using Xmpp.Common.Link;
using Xmpp.Common.Pki;
using Xmpp.Common.Stanzas;
using Xmpp.Common.Telemetry;
using Xmpp.Common.Xml;
using Xmpp.Gateway.Protocol;
using Xmpp.Gateway.Telemetry;
using Xmpp.Protos;

namespace Xmpp.Gateway.Connections;

/// <summary>
/// One external component on the XEP-0114 port: the jabber:component:accept stream header
/// (its 'to' names the domain: unknown gets &lt;host-unknown/&gt;), the handshake (a wrong one
/// &lt;not-authorized/&gt;), then a router link bound as component/&lt;domain&gt; with that domain's
/// certificate (a domain already attached, here or elsewhere, gets &lt;conflict/&gt;). Afterwards
/// stanzas from the component are checked (from within its domain, a 'to') and sent to sm; packets
/// from the router are written to the socket within Gateway:MaxOutboundBytes.
/// </summary>
public sealed class ComponentConnection(Socket socket, GatewayOptions options, RouterLinkOptions router, ILogger logger)
{
    private static readonly XNamespace Accept = ComponentStanzas.AcceptNamespace;
    private const string RemoteConnectionFailed = "remote-connection-failed";
    private readonly CancellationTokenSource _reading = new();
    private readonly string _peer = socket.RemoteEndPoint?.ToString() ?? "?";
    private ComponentOutput _output = null!;
    private string _domain = "";
    private RouterLink? _link;
    private volatile string? _closing; // the stream error condition once the gateway decided to close

    public async Task RunAsync(CancellationToken stopping)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        _output = new ComponentOutput(stream, options.MaxOutboundBytes);
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(stopping, _reading.Token);
        var writer = _output.RunAsync(stopping);
        var reader = PipeReader.Create(stream);
        var parser = new XmppStreamParser(new XmppParserOptions { MaxStanzaBytes = options.MaxStanzaBytes });
        var streamId = ComponentHandshake.NewStreamId();
        using var linkStop = new CancellationTokenSource();
        Task linkRun = Task.CompletedTask;
        try
        {
            var deadline = DateTime.UtcNow + options.HandshakeTimeout;
            if (await NextAsync(reader, parser, deadline - DateTime.UtcNow, connection.Token) is not StreamOpenEvent open)
                return;
            var to = open.Get("to") ?? "";
            Write($"<?xml version='1.0'?><stream:stream xmlns:stream='{Ns.Stream}' xmlns='{ComponentStanzas.AcceptNamespace}' id='{streamId}' from='{SecurityElement.Escape(to)}'>");
            if (open.DefaultNamespace != ComponentStanzas.AcceptNamespace)
            {
                Refuse(StreamErrors.InvalidNamespace, $"stream namespace '{open.DefaultNamespace}' is not {ComponentStanzas.AcceptNamespace}");
                return;
            }
            if (!Jid.TryParse(to, out var domainJid) || domainJid.Local is not null || !domainJid.IsBare ||
                !options.Components.TryGetValue(domainJid.Domain, out var component) || string.IsNullOrEmpty(component.Secret))
            {
                Refuse(StreamErrors.HostUnknown, $"no component is configured for '{to}'");
                return;
            }
            _domain = domainJid.Domain;
            if (await NextAsync(reader, parser, deadline - DateTime.UtcNow, connection.Token) is not StanzaEvent handshakeEvent)
                return;
            var handshake = handshakeEvent.Element;
            if (handshake.Name != Accept + "handshake" || !ComponentHandshake.Verify(streamId, component.Secret, handshake.Value))
            {
                Refuse(StreamErrors.NotAuthorized, handshake.Name == Accept + "handshake" ? "wrong handshake" : $"{handshake.Name.LocalName} before the handshake");
                return;
            }

            // Bind component/<domain> on the router with the domain's own certificate.
            var attached = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _link = new RouterLink([PkiAddress(_domain)], LinkOptions(component), logger, OnFrameAsync);
            _link.ConnectFailed += e => attached.TrySetResult(e is RouterLink.BindRefusedException ? e.Message : null);
            linkRun = _link.RunAsync(linkStop.Token);
            var up = _link.WaitUpAsync(connection.Token);
            var first = await Task.WhenAny(up, attached.Task, Task.Delay(options.AttachTimeout, connection.Token));
            if (first != up)
            {
                var reason = attached.Task.IsCompleted ? attached.Task.Result : null;
                if (reason is not null && reason.Contains("already bound", StringComparison.Ordinal))
                    Refuse(StreamErrors.Conflict, $"{_domain} is attached already");
                else
                    Refuse(RemoteConnectionFailed, reason ?? "the router could not be reached");
                return;
            }
            Write("<handshake/>");
            GatewayTelemetry.Attached();
            logger.LogInformation("Component {Domain} attached from {Peer}", _domain, _peer);
            try
            {
                while (_closing is null && await NextAsync(reader, parser, options.IdleTimeout, connection.Token) is { } ev)
                {
                    if (ev is StreamCloseEvent) break;
                    if (ev is StanzaEvent stanza && !FromComponent(stanza.Element)) break;
                }
            }
            finally
            {
                GatewayTelemetry.Detached();
                logger.LogInformation("Component {Domain} from {Peer} detached", _domain, _peer);
            }
        }
        catch (XmppStreamException e)
        {
            Refuse(e.Condition, e.Text ?? e.Condition);
        }
        catch (TimeoutException)
        {
            Refuse(StreamErrors.ConnectionTimeout, "idle or handshake timeout");
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
            // The component or the gateway went away.
        }
        finally
        {
            linkStop.Cancel();
            try { await linkRun; } catch (Exception e) when (e is OperationCanceledException or IOException) { }
            if (_link is not null) await _link.DisposeAsync();
            if (!stopping.IsCancellationRequested) Write("</stream:stream>");
            else Write(StreamErrors.Render(StreamErrors.SystemShutdown) + "</stream:stream>");
            _output.Complete();
            try { await writer.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { /* the socket is closing anyway */ }
            await reader.CompleteAsync();
        }
    }

    private static string PkiAddress(string domain) => PkiLayout.Component(domain).CommonName;

    private RouterLinkOptions LinkOptions(ComponentOptions component)
    {
        var certificate = component.Certificate ?? new PkiLayout(options.CertificateDirectory ?? ".").CertificateOf(PkiLayout.Component(_domain));
        return new RouterLinkOptions
        {
            Address = router.Address,
            CaCertificate = router.CaCertificate,
            Certificate = certificate,
            CertificateKey = component.CertificateKey,
            RetryBaseDelay = router.RetryBaseDelay,
            RetryMaxDelay = router.RetryMaxDelay,
            MaxSendQueueBytes = router.MaxSendQueueBytes,
            MaxBatchBytes = router.MaxBatchBytes,
        };
    }

    /// <summary>A stanza from the component: checked, moved to jabber:client and sent to sm. False: the stream is being closed.</summary>
    private bool FromComponent(XElement stanza)
    {
        if (ComponentStanzas.Check(stanza, _domain, out var from, out var to) is { } error)
        {
            Refuse(error, $"a {stanza.Name.LocalName} with from '{(string?)stanza.Attribute("from")}' and to '{(string?)stanza.Attribute("to")}'");
            return false;
        }
        ComponentStanzas.ToServer(stanza);
        // The root of this stanza's trace; the frame carries its context on to sm.
        using var activity = FrameTrace.StartWithParent(GatewayTelemetry.Source, "component stanza receive", System.Diagnostics.ActivityKind.Server, default);
        activity?.SetTag("xmpp.component", _domain);
        activity?.SetTag("xmpp.stanza.kind", stanza.Name.LocalName);
        var frame = new Frame
        {
            To = "sm/" + options.Domain,
            From = _link!.Address,
            Packet = new Packet
            {
                Stanza = UnsafeByteOperations.UnsafeWrap(StanzaCodec.ToBytes(stanza)),
                Kind = stanza.Name.LocalName,
                Type = (string?)stanza.Attribute("type") ?? "",
                StanzaTo = to!.ToString(),
                StanzaFrom = from!.ToString(),
            },
        };
        if (_link.Send(frame))
        {
            GatewayTelemetry.StanzasIn.Add(1);
            return true;
        }
        logger.LogWarning("The router link of {Domain} would not take a {Kind}; the component gets an error", _domain, stanza.Name.LocalName);
        GatewayTelemetry.Drop("in", "link-refused");
        AnswerError(stanza, StanzaErrors.ResourceConstraint);
        return true;
    }

    /// <summary>A frame from the router: a packet for the component, or one of ours returned.</summary>
    private ValueTask OnFrameAsync(Frame frame)
    {
        if (frame.BodyCase != Frame.BodyOneofCase.Packet) return ValueTask.CompletedTask; // component events, nothing to do
        using var activity = FrameTrace.StartFrom(GatewayTelemetry.Source, "component stanza deliver", System.Diagnostics.ActivityKind.Consumer, frame);
        activity?.SetTag("xmpp.component", _domain);
        XElement stanza;
        try
        {
            stanza = StanzaCodec.Parse(frame.Packet.Stanza.Span);
        }
        catch (System.Xml.XmlException e)
        {
            logger.LogWarning("An unparsable packet for {Domain} dropped: {Error}", _domain, e.Message);
            GatewayTelemetry.Drop("out", "unparsable");
            return ValueTask.CompletedTask;
        }
        if (frame.RouteError is { Code: not RouteError.Types.Code.RouteErrorNone } routeError)
        {
            // One of the component's stanzas did not reach sm: the component gets an error for it.
            logger.LogWarning("A {Kind} from {Domain} came back: {Code}", frame.Packet.Kind, _domain, routeError.Code);
            GatewayTelemetry.Drop("in", "route-error");
            AnswerError(ComponentStanzas.ToComponent(stanza), routeError.Code == RouteError.Types.Code.RouteCongested ? StanzaErrors.ResourceConstraint : StanzaErrors.ServiceUnavailable);
            return ValueTask.CompletedTask;
        }
        ComponentStanzas.ToComponent(stanza);
        if (!TryWrite(StanzaCodec.ToBytes(stanza)))
        {
            logger.LogWarning("Component {Domain} reads too slowly: more than {Max} bytes wait for it; closing its stream", _domain, options.MaxOutboundBytes);
            GatewayTelemetry.Drop("out", "output-overflow");
            Refuse(StreamErrors.PolicyViolation, "output bound exceeded");
        }
        else GatewayTelemetry.StanzasOut.Add(1);
        return ValueTask.CompletedTask;
    }

    /// <summary>An error stanza for <paramref name="stanza"/> written to the component (never for an error or an iq result).</summary>
    private void AnswerError(XElement stanza, string condition)
    {
        var type = (string?)stanza.Attribute("type");
        if (type == "error" || (stanza.Name.LocalName == "iq" && type == "result")) return;
        if (stanza.Name.Namespace != Accept) ComponentStanzas.ToComponent(stanza);
        var reply = StanzaErrors.Reply(stanza, condition);
        TryWrite(StanzaCodec.ToBytes(reply));
    }

    private bool TryWrite(byte[] data) => _closing is null && _output.TryWrite(data);

    private void Write(string text) => _output.TryWrite(Encoding.UTF8.GetBytes(text));

    /// <summary>Closes the stream with a stream error (logged, counted); the caller ends the connection.</summary>
    private void Refuse(string condition, string why)
    {
        if (_closing is not null) return;
        _closing = condition;
        logger.LogWarning("Component stream from {Peer} ({Domain}) closed with <{Condition}/>: {Why}", _peer, _domain.Length > 0 ? _domain : "no domain yet", condition, why);
        GatewayTelemetry.Refused(condition);
        _output.TryWrite(Encoding.UTF8.GetBytes(StreamErrors.Render(condition)));
        _reading.Cancel(); // the read loop ends; the stream is closed after the error
    }

    /// <summary>The next stream event; null at the end of the input; TimeoutException when nothing at all arrived within <paramref name="timeout"/>.</summary>
    private static async Task<XmppStreamEvent?> NextAsync(PipeReader reader, XmppStreamParser parser, TimeSpan timeout, CancellationToken ct)
    {
        while (true)
        {
            if (timeout <= TimeSpan.Zero) throw new TimeoutException();
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(timeout);
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException();
            }
            var buffer = result.Buffer;
            var got = parser.TryRead(ref buffer, out var ev);
            reader.AdvanceTo(buffer.Start, got ? buffer.Start : buffer.End);
            if (got) return ev;
            if (result.IsCompleted) return null;
        }
    }
}
