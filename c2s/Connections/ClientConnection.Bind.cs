using System.Security.Cryptography;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Common.Xml;
using Xmpp.Protos;

namespace Xmpp.C2s.Connections;

/// <summary>Resource binding (RFC 6120 §7) and the session start it triggers on sm.</summary>
public sealed partial class ClientConnection
{
    private static readonly XName BindName = XName.Get("bind", Ns.Bind);
    private static readonly XName LegacySessionName = XName.Get("session", Ns.Session);
    private TaskCompletionSource<string?>? _pendingStart;
    private string? _pendingStartId;
    private int _startCounter;

    private async Task OnPreBindStanzaAsync(XElement element, CancellationToken ct)
    {
        if (element.Name.LocalName != "iq" || element.Name.NamespaceName != Ns.Client)
        {
            CloseWithStreamError(StreamErrors.NotAuthorized, "bind a resource first");
            return;
        }
        var type = (string?)element.Attribute("type");
        var payload = element.Elements().FirstOrDefault();
        if (type == "set" && payload?.Name == BindName)
        {
            await BindAsync(element, payload, ct);
            return;
        }
        if (type == "set" && payload?.Name == LegacySessionName)
        {
            SendStanza(Result(element));
            return;
        }
        SendStanza(StanzaErrors.Reply(element, StanzaErrors.Cancel, StanzaErrors.NotAllowed, "bind a resource first"));
    }

    private async Task BindAsync(XElement iq, XElement bind, CancellationToken ct)
    {
        var requested = bind.Element(XName.Get("resource", Ns.Bind))?.Value.Trim();
        var resource = string.IsNullOrEmpty(requested) ? NewResource() : requested;
        Jid jid;
        try
        {
            jid = Jid.Parse(_localPart + "@" + _options.Domain).WithResource(resource);
        }
        catch (ArgumentException)
        {
            SendStanza(StanzaErrors.Reply(iq, StanzaErrors.Modify, StanzaErrors.BadRequest, "invalid resource"));
            return;
        }

        if (await StartSessionAsync(jid, ct) is not null)
        {
            SendStanza(StanzaErrors.Reply(iq, StanzaErrors.Wait, StanzaErrors.InternalServerError, "the session could not be started"));
            return;
        }
        var result = Result(iq);
        result.Add(new XElement(BindName, new XElement(XName.Get("jid", Ns.Bind), jid.ToString())));
        SendStanza(result);
        _logger.LogInformation("Connection {Id} bound {Jid}", Id, jid);
    }

    /// <summary>
    /// Has sm start the session for <paramref name="jid"/> (the START action), for legacy binding
    /// and XEP-0386 Bind 2 alike; null when it started (the stream is then established), else why not.
    /// </summary>
    private async Task<string?> StartSessionAsync(Jid jid, CancellationToken ct)
    {
        _stage = Protocol.StreamStage.Binding;
        var requestId = $"{Id}.{Interlocked.Increment(ref _startCounter)}";
        var started = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingStartId = requestId;
        _pendingStart = started;
        _jid = jid;
        var sent = _sm.Send(new Frame
        {
            To = _sm.SmAddress,
            Session = new Session { Action = Session.Types.Action.Start, C2SSession = Id, Target = jid.ToString(), RequestId = requestId },
        });

        string? failure;
        try
        {
            failure = sent ? await started.Task.WaitAsync(TimeSpan.FromSeconds(10), ct) : "router-unavailable";
        }
        catch (TimeoutException)
        {
            failure = "timeout";
        }
        _pendingStart = null;
        _pendingStartId = null;

        if (failure is not null)
        {
            _logger.LogWarning("Connection {Id}: session start failed: {Reason}", Id, failure);
            _jid = null;
            _stage = Protocol.StreamStage.Authenticated;
            return failure;
        }

        _stage = Protocol.StreamStage.Established;
        StopLoginTimer();
        return null;
    }

    /// <summary>Called on the link's reader when sm answers started; false if this start is no longer awaited.</summary>
    public bool TryAcceptStarted(string requestId, string smSession, string smAddress)
    {
        if (_pendingStart is not { } pending || _pendingStartId != requestId) return false;
        _smSession = smSession;
        _smOwner = smAddress;
        return pending.TrySetResult(null);
    }

    public void OnStartFailed(string requestId, string reason)
    {
        if (_pendingStart is { } pending && _pendingStartId == requestId) pending.TrySetResult(reason);
    }

    private static XElement Result(XElement iq)
    {
        var result = new XElement(XName.Get("iq", Ns.Client), new XAttribute("type", "result"));
        if (iq.Attribute("id") is { } id) result.SetAttributeValue("id", id.Value);
        return result;
    }

    private static string NewResource() => Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
}
