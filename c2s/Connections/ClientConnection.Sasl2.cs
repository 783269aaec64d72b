using System.Xml.Linq;
using Xmpp.C2s.Protocol;
using Xmpp.C2s.Sasl;
using Xmpp.C2s.Telemetry;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Common.Xml;
using Xmpp.Protos;

namespace Xmpp.C2s.Connections;

/// <summary>
/// XEP-0388 SASL2 on this stream, with XEP-0386 Bind 2 and XEP-0480 upgrade tasks. The protocol
/// is <see cref="Sasl2Negotiator"/>'s; this file does the I/O: it sends what the negotiator
/// answers, and after authentication binds (the same START as legacy binding), enables the inline
/// features and sends &lt;success/&gt; and the new stream features. No stream restart (XEP-0388).
/// </summary>
public sealed partial class ClientConnection
{
    private Sasl2Negotiator? _sasl2;

    /// <summary>The id of the iq c2s sent sm on the client's behalf (an inline carbons enable); its answer is not for the client.</summary>
    private volatile string? _inlineIqId;

    /// <summary>SASL2 is offered on encrypted streams only (C2s:Sasl2).</summary>
    private bool Sasl2Offered => _options.Sasl2 && _secure;

    /// <summary>The inline features Bind 2 offers: those this server enables for a session.</summary>
    private IEnumerable<string> Bind2InlineFeatures()
    {
        yield return Sasl2Namespaces.Carbons; // sm's carbons module (XEP-0280)
        if (_options.Csi.Enabled) yield return CsiHold.Namespace;
        if (_options.StreamManagement.Enabled) yield return Sasl2Namespaces.StreamManagement; // <enable/> inside <bind/>
    }

    /// <summary>SASL2's own inline features beside Bind 2: XEP-0484 &lt;fast/&gt;, XEP-0198 &lt;sm/&gt; (resumption inside &lt;authenticate/&gt;).</summary>
    private List<string> Sasl2OtherInline(Xmpp.Common.Sasl.ScramChannelBinding binding)
    {
        List<string> inline = [];
        if (_options.Fast) inline.Add(FastXml.Feature(Xmpp.Common.Sasl.HtMechanism.Offered(binding)));
        if (_options.StreamManagement.Enabled) inline.Add(StreamManagementNonzas.Feature);
        return inline;
    }

    private string? Sasl2Feature(Xmpp.Common.Sasl.ScramChannelBinding binding) =>
        _stage is StreamStage.Secured && Sasl2Offered
            ? Sasl2Xml.Feature(SaslNegotiator.Mechanisms(_secure, binding), Bind2InlineFeatures(), Sasl2Negotiator.UpgradeTasks, Sasl2OtherInline(binding))
            : null;

    private async Task OnSasl2Async(XElement element, CancellationToken ct)
    {
        if (_sasl is { InProgress: true })
        {
            CloseWithStreamError(StreamErrors.PolicyViolation, "a SASL authentication is in progress");
            return;
        }
        var binding = _channelBinding ??= ChannelBindings();
        _sasl2 ??= new Sasl2Negotiator(new SaslNegotiator(_options.Domain, _secure, _sm, binding), SaslNegotiator.Mechanisms(_secure, binding),
            _options.Fast ? new FastExchange(_options.Domain, _sm, binding) : null);
        var outcome = await _sasl2.HandleAsync(element, ct);
        switch (outcome)
        {
            case Sasl2Outcome.Send send:
                Send(send.Xml);
                break;
            case Sasl2Outcome.Failure failure:
                await OnAuthFailureAsync(failure.Condition, failure.CountsAsAttempt, failure.Text, sasl2: true, ct);
                break;
            case Sasl2Outcome.Violation violation:
                _logger.LogInformation("Connection {Id} from {Address}: SASL2 violation: {Text}", Id, RemoteAddress, violation.Text);
                CloseWithStreamError(StreamErrors.PolicyViolation, violation.Text);
                break;
            case Sasl2Outcome.Authenticated authenticated:
                await CompleteSasl2Async(authenticated, ct);
                break;
        }
    }

    /// <summary>
    /// After the mechanism and all tasks: XEP-0198 resumption if asked inline (resumed: &lt;success/&gt;
    /// with &lt;resumed/&gt; and the resumed full JID, Bind 2 skipped, then the unacknowledged stanzas;
    /// refused: &lt;failed/&gt; and on), Bind 2 if asked (the session starts before &lt;success/&gt;, with
    /// carbons, CSI and XEP-0198 as asked), then &lt;success/&gt; with the authorization identifier (the
    /// full JID when bound) and the stream features of the authenticated stream.
    /// </summary>
    private async Task CompleteSasl2Async(Sasl2Outcome.Authenticated authenticated, CancellationToken ct)
    {
        var request = authenticated.Request;
        var upgraded = _sasl2?.Stored;
        if (upgraded is not null)
            _logger.LogInformation("Connection {Id}: XEP-0480 upgrade of {Mechanisms} {Outcome}", Id,
                string.Join(", ", _sasl2!.UpgradedMechanisms), upgraded == true ? "stored" : "ignored by sm");
        _localPart = authenticated.LocalPart;
        _sasl = null;
        _sasl2 = null; // its exchange state is of no further use
        _channelBinding = null; // nor the channel binding data
        _stage = StreamStage.Authenticated;
        var inline = new Sasl2StreamManagement(request, _options.StreamManagement.Enabled);

        if (inline.Resume is { } resume)
        {
            // Answered on the link's reader: a <resumed/> sends <success/> there, before the stanzas sm sends again.
            _smInlineAnswer = answer =>
            {
                if (inline.OnResumeAnswer(answer)) SendSasl2Success(authenticated, inline);
            };
            var resumed = await ResumeStreamAsync(resume.PrevId, resume.H, ct);
            Interlocked.Exchange(ref _smInlineAnswer, null);
            if (resumed) return;
        }

        if (request.Bind is { } bind)
        {
            if (await Bind2Async(bind, request, ct) is not { } bound)
            {
                _localPart = null;
                _stage = StreamStage.Secured;
                await OnAuthFailureAsync("temporary-auth-failure", countsAsAttempt: false, "the session could not be started", sasl2: true, ct);
                return;
            }
            inline.OnBound(bound);
            if (inline.Enable is { } enable)
            {
                await EnableStreamManagementInlineAsync(enable, inline, authenticated, ct);
                return;
            }
        }
        SendSasl2Success(authenticated, inline);
    }

    /// <summary>&lt;success/&gt; with what <paramref name="inline"/> collected (and a XEP-0484 token), then the stream features.</summary>
    private void SendSasl2Success(Sasl2Outcome.Authenticated authenticated, Sasl2StreamManagement inline)
    {
        List<XElement> extensions = [.. inline.Extensions];
        if (authenticated.Token is { } token) extensions.Add(FastXml.Token(token)); // XEP-0484: the one place a token crosses c2s
        Send(Sasl2Xml.Success(authenticated.AdditionalData, _jid?.ToString() ?? _localPart + "@" + _options.Domain, extensions));
        Send(StreamPreamble.Features(_stage, tlsOffered: false, tlsRequired: _options.RequireTls, [], csi: _options.Csi.Enabled, sm: _options.StreamManagement.Enabled));
        _logger.LogInformation("Connection {Id} authenticated as {User} over SASL2 ({Mechanism}){Bound}", Id, _localPart, authenticated.Request.Mechanism,
            _jid is null ? "" : (inline.Resumed ? ", resumed " : ", bound ") + _jid);
    }

    /// <summary>
    /// XEP-0386: the resource (the tag and a part stable per user-agent id), the START legacy
    /// binding uses, then the inline features; the &lt;bound/&gt; element, or null when sm did not start the session.
    /// </summary>
    private async Task<XElement?> Bind2Async(Bind2Request bind, Sasl2Request request, CancellationToken ct)
    {
        var bare = _localPart + "@" + _options.Domain;
        Jid jid;
        try
        {
            jid = Jid.Parse(bare).WithResource(Bind2Resource.For(bind.Tag, bare, request.UserAgentId));
        }
        catch (ArgumentException)
        {
            // A tag that is no valid resource part is left out (XEP-0386: "subject to the necessary validation").
            _logger.LogInformation("Connection {Id}: Bind 2 tag is not a valid resource; binding without it", Id);
            jid = Jid.Parse(bare).WithResource(Bind2Resource.For(null, bare, request.UserAgentId));
        }
        if (await StartSessionAsync(jid, ct) is { } failure)
        {
            _logger.LogWarning("Connection {Id}: Bind 2 session start failed: {Reason}", Id, failure);
            return null;
        }
        var bound = new XElement(XName.Get("bound", Sasl2Namespaces.Bind2));
        if (bind.EnableCarbons) EnableCarbonsInline();
        if (bind.Csi is { } csi) OnCsiNonza(csi);
        foreach (var other in bind.Others)
            _logger.LogDebug("Connection {Id}: Bind 2 inline {Element} not supported here; ignored", Id, other.Name);
        return bound;
    }

    /// <summary>
    /// XEP-0280 carbons for the new session, the way a client enables them: the same iq, sent to
    /// sm on the client's behalf before &lt;success/&gt; (so before any stanza of the client's);
    /// sm's result is not passed on (XEP-0386: the operation succeeds, no response).
    /// </summary>
    private void EnableCarbonsInline()
    {
        var id = "bind2-carbons-" + Id;
        var iq = new XElement(XName.Get("iq", Ns.Client), new XAttribute("type", "set"), new XAttribute("id", id),
            new XElement(XName.Get("enable", Sasl2Namespaces.Carbons)));
        if (ClientStanzaRules.Check(iq, _jid!) is ClientStanzaRules.Verdict.Forward forward)
        {
            _inlineIqId = id;
            Forward(forward);
        }
    }

    /// <summary>Whether <paramref name="packet"/> is sm's answer to the iq c2s sent on the client's behalf (then it is dropped here).</summary>
    private bool IsInlineAnswer(Packet packet)
    {
        if (_inlineIqId is not { } id || packet.Kind != "iq" || packet.Type is not ("result" or "error")) return false;
        var stanza = StanzaCodec.Parse(packet.Stanza.Span);
        if ((string?)stanza.Attribute("id") != id) return false;
        _inlineIqId = null;
        if (packet.Type == "error") _logger.LogWarning("Connection {Id}: sm refused the inline carbons enable", Id);
        return true;
    }

    /// <summary>
    /// XEP-0198 &lt;enable/&gt; inside Bind 2, the last inline feature: the legacy enable, whose answer
    /// (on the link's reader, before the first numbered stanza) goes into &lt;bound/&gt; and sends
    /// &lt;success/&gt;. Without an answer within C2s:StreamManagement:ResumeTimeout, &lt;failed/&gt;.
    /// </summary>
    private async Task EnableStreamManagementInlineAsync(XElement enable, Sasl2StreamManagement inline, Sasl2Outcome.Authenticated authenticated, CancellationToken ct)
    {
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _smInlineAnswer = answer =>
        {
            inline.OnEnableAnswer(answer);
            SendSasl2Success(authenticated, inline);
            answered.TrySetResult();
        };
        EnableStreamManagement(StreamManagementNonzas.WantsResume(enable), StreamManagementNonzas.Max(enable));
        try
        {
            await answered.Task.WaitAsync(_options.StreamManagement.ResumeTimeout, ct);
        }
        catch (TimeoutException)
        {
            Action<string>? pending;
            lock (_smLock)
            {
                if (_smEnabled) return; // answered meanwhile
                _smNumbering = false;   // a late SM_ENABLED is ignored (OnSmEnabled)
                pending = Interlocked.Exchange(ref _smInlineAnswer, null);
            }
            if (pending is null) return; // refused meanwhile: answered
            _logger.LogWarning("Connection {Id}: sm did not answer the inline XEP-0198 enable in time", Id);
            C2sTelemetry.StreamManagement("enable-timeout");
            pending(StreamManagementNonzas.Failed(StanzaErrors.InternalServerError));
        }
    }
}
