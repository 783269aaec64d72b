using System.Diagnostics;
using System.Threading.Channels;
using System.Xml;
using System.Xml.Linq;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xmpp.Common.Link;
using Xmpp.Common.Pki;
using Xmpp.Common.Stanzas;
using Xmpp.Common.Telemetry;
using Xmpp.Protos;

namespace Xmpp.Common.Components;

/// <summary>
/// A service's link to the router: binds component/&lt;domain&gt; with the domain's certificate,
/// hands each stanza for the domain to the <see cref="IServiceComponent"/> (one at a time, in
/// order, from a byte-bounded queue so a slow service never stalls the link), and sends the
/// service's stanzas to sm/&lt;server domain&gt;, which delivers them to users and other
/// components. Each handled stanza continues the trace its frame carries, and what the service
/// sends while handling it continues that trace too.
/// </summary>
public sealed class ServiceComponentLink : BackgroundService, IStanzaSender
{
    private static readonly XNamespace Client = Ns.Client;
    private readonly ServiceComponentOptions _options;
    private readonly ServiceComponentTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly RouterLink _link;
    private readonly Channel<Frame> _inbound = Channel.CreateUnbounded<Frame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private long _inboundBytes;
    private IServiceComponent? _service;

    public ServiceComponentLink(IOptions<ServiceComponentOptions> options, IOptions<RouterLinkOptions> router,
        ServiceComponentTelemetry telemetry, ILogger<ServiceComponentLink> logger)
    {
        _options = options.Value;
        _telemetry = telemetry;
        _logger = logger;
        if (string.IsNullOrEmpty(_options.Domain)) throw new InvalidOperationException("Component:Domain is not set (the domain this service is bound to, e.g. conference.localhost)");
        router.Value.ThrowIfIncomplete();
        _link = new RouterLink([PkiLayout.Component(_options.Domain).CommonName], router.Value, logger, OnFrameAsync);
        _link.FrameFailed += OnFrameFailed;
    }

    public string Domain => _options.Domain;

    public bool IsUp => _link.IsUp;

    /// <summary>Resolves once the domain is bound on the router.</summary>
    public Task WaitUpAsync(CancellationToken ct) => _link.WaitUpAsync(ct);

    /// <summary>The service that handles the stanzas; set once, before the host starts.</summary>
    public void Attach(IServiceComponent service) =>
        _service = _service is null ? service : throw new InvalidOperationException("a service is attached already");

    public bool Send(XElement stanza)
    {
        var from = CheckedFrom(stanza);
        return Send(StanzaCodec.ToBytes(stanza), stanza, from, (string?)stanza.Attribute("to") ?? "");
    }

    /// <summary>Serializes <paramref name="stanza"/> once (without 'to') and sends a copy with each recipient's 'to' spliced in.</summary>
    public int SendToEach(XElement stanza, IReadOnlyList<string> recipients)
    {
        stanza.Attribute("to")?.Remove();
        var from = CheckedFrom(stanza);
        var template = StanzaCodec.ToBytes(stanza);
        var sent = 0;
        foreach (var to in recipients)
            if (Send(AddressedStanza.WithTo(template, stanza.Name.LocalName, to), stanza, from, to)) sent++;
        return sent;
    }

    private string CheckedFrom(XElement stanza)
    {
        if (!Jid.TryParse((string?)stanza.Attribute("from"), out var from) || !string.Equals(from.Domain, _options.Domain, StringComparison.Ordinal))
            throw new ArgumentException($"a service's stanza must come from {_options.Domain} or one of its JIDs", nameof(stanza));
        return from.ToString();
    }

    private bool Send(byte[] bytes, XElement stanza, string from, string to)
    {
        var frame = new Frame
        {
            To = "sm/" + _options.ServerDomain,
            Packet = new Packet
            {
                Stanza = UnsafeByteOperations.UnsafeWrap(bytes),
                Kind = stanza.Name.LocalName,
                Type = (string?)stanza.Attribute("type") ?? "",
                StanzaTo = to,
                StanzaFrom = from,
            },
        };
        if (_link.Send(frame))
        {
            _telemetry.StanzasOut.Add(1);
            return true;
        }
        _logger.LogWarning("The router link of {Domain} would not take a {Kind}: its queue is full", _options.Domain, stanza.Name.LocalName);
        _telemetry.Drop("out", "link-refused");
        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var service = _service ?? throw new InvalidOperationException("no service attached to the component link");
        using var linkStop = new CancellationTokenSource();
        var linkRun = _link.RunAsync(linkStop.Token);
        try
        {
            await foreach (var frame in _inbound.Reader.ReadAllAsync(stoppingToken))
            {
                Interlocked.Add(ref _inboundBytes, -frame.Packet.Stanza.Length);
                await HandleAsync(service, frame, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        finally
        {
            // What the service sent last (answers, leave presences) goes out before the link closes.
            await _link.FlushAsync(TimeSpan.FromSeconds(5));
            linkStop.Cancel();
            try { await linkRun; } catch (Exception e) when (e is OperationCanceledException or IOException) { }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await _link.DisposeAsync();
    }

    private ValueTask OnFrameAsync(Frame frame)
    {
        if (frame.BodyCase != Frame.BodyOneofCase.Packet) return ValueTask.CompletedTask; // component up/down events: nothing to do
        var size = frame.Packet.Stanza.Length;
        if (frame.RouteError is not { Code: not RouteError.Types.Code.RouteErrorNone } && size > _options.MaxStanzaBytes)
        {
            Refuse(frame, StanzaErrors.PolicyViolation, "too-large", $"a {size}-byte stanza (Component:MaxStanzaBytes is {_options.MaxStanzaBytes})");
            return ValueTask.CompletedTask;
        }
        if (Interlocked.Add(ref _inboundBytes, size) > _options.MaxInboundQueueBytes)
        {
            Interlocked.Add(ref _inboundBytes, -size);
            Refuse(frame, StanzaErrors.ResourceConstraint, "inbound-full", $"the inbound queue holds more than Component:MaxInboundQueueBytes ({_options.MaxInboundQueueBytes})");
            return ValueTask.CompletedTask;
        }
        _inbound.Writer.TryWrite(frame);
        return ValueTask.CompletedTask;
    }

    private async ValueTask HandleAsync(IServiceComponent service, Frame frame, CancellationToken ct)
    {
        using var activity = FrameTrace.StartFrom(_telemetry.Source, "component stanza handle", ActivityKind.Consumer, frame);
        activity?.SetTag("xmpp.component", _options.Domain);
        if (Parse(frame) is not { } stanza) return;
        activity?.SetTag("xmpp.stanza.kind", stanza.Name.LocalName);
        if (frame.RouteError is { Code: not RouteError.Types.Code.RouteErrorNone } error)
        {
            _logger.LogInformation("A {Kind} from {Domain} came back: {Code}", stanza.Name.LocalName, _options.Domain, error.Code);
            _telemetry.Drop("out", "returned");
            service.Returned(stanza, error.Code.ToString());
            return;
        }
        if (!Jid.TryParse((string?)stanza.Attribute("from"), out _) || !Jid.TryParse((string?)stanza.Attribute("to"), out var to) ||
            !string.Equals(to.Domain, _options.Domain, StringComparison.Ordinal))
        {
            _logger.LogWarning("A {Kind} for {Domain} without a valid from/to dropped", stanza.Name.LocalName, _options.Domain);
            _telemetry.Drop("in", "bad-address");
            return;
        }
        _telemetry.StanzasIn.Add(1);
        try
        {
            await service.HandleAsync(stanza, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One bad stanza must not stop the service; its sender learns of it.
            _logger.LogError(e, "Handling a {Kind} for {Domain} failed", stanza.Name.LocalName, _options.Domain);
            _telemetry.Drop("in", "handler-failed");
            Answer(stanza, StanzaErrors.InternalServerError);
        }
    }

    private XElement? Parse(Frame frame)
    {
        try
        {
            var stanza = StanzaCodec.Parse(frame.Packet.Stanza.Span);
            if (stanza.Name.Namespace == Client && stanza.Name.LocalName is "message" or "presence" or "iq") return stanza;
            _logger.LogWarning("A non-stanza element {Name} for {Domain} dropped", stanza.Name, _options.Domain);
        }
        catch (XmlException e)
        {
            _logger.LogWarning("An unparsable packet for {Domain} dropped: {Error}", _options.Domain, e.Message);
        }
        _telemetry.Drop("in", "unparsable");
        return null;
    }

    private void Refuse(Frame frame, string condition, string reason, string why)
    {
        _logger.LogWarning("A {Kind} for {Domain} refused with <{Condition}/>: {Why}", frame.Packet.Kind, _options.Domain, condition, why);
        _telemetry.Drop("in", reason);
        if (Parse(frame) is { } stanza) Answer(stanza, condition);
    }

    /// <summary>An error reply from the addressed JID (never for an error or an iq result).</summary>
    private void Answer(XElement stanza, string condition)
    {
        var type = (string?)stanza.Attribute("type");
        if (type == "error" || (stanza.Name.LocalName == "iq" && type == "result")) return;
        Send(StanzaErrors.Reply(stanza, condition));
    }

    private void OnFrameFailed(Frame frame, string reason)
    {
        if (frame.BodyCase != Frame.BodyOneofCase.Packet) return;
        _logger.LogWarning("A {Kind} from {Domain} waited too long for the router and is dropped: {Reason}", frame.Packet.Kind, _options.Domain, reason);
        _telemetry.Drop("out", "link-expired");
        if (_service is { } service && Parse(frame) is { } stanza) service.Returned(stanza, reason);
    }
}
