using System.Xml.Linq;
using Xmpp.C2s.Protocol;
using Xmpp.C2s.Sasl;
using Xmpp.Common;
using Xmpp.Common.Xml;

namespace Xmpp.C2s.Connections;

/// <summary>Stream headers, features and SASL (RFC 6120 §4.3, §6).</summary>
public sealed partial class ClientConnection
{
    /// <summary>What this stream's SCRAM-*-PLUS accepts, fixed when the secured stream's features are offered; dropped after authentication.</summary>
    private Xmpp.Common.Sasl.ScramChannelBinding? _channelBinding;

    private void OnStreamOpen(StreamOpenEvent open)
    {
        Send(StreamPreamble.Header(_options.Domain, NewStreamId()));
        _headerSent = true;

        if (open.DefaultNamespace != Ns.Client)
        {
            CloseWithStreamError(StreamErrors.InvalidNamespace, "the default namespace must be jabber:client");
            return;
        }
        var to = open.Get("to");
        if (to is null || !string.Equals(to, _options.Domain, StringComparison.OrdinalIgnoreCase))
        {
            CloseWithStreamError(StreamErrors.HostUnknown, $"this server serves {_options.Domain}");
            return;
        }
        var version = open.Get("version");
        if (version is null || !version.StartsWith("1.", StringComparison.Ordinal))
        {
            CloseWithStreamError(StreamErrors.UnsupportedVersion, "XMPP 1.0 streams only");
            return;
        }
        if (!_sm.SmAvailable)
        {
            CloseWithStreamError(StreamErrors.HostGone, "the session manager is not available; try again later");
            return;
        }

        if (_stage is StreamStage.Connected or StreamStage.Secured) _channelBinding = ChannelBindings();
        var binding = _channelBinding ?? Xmpp.Common.Sasl.ScramChannelBinding.None;
        Send(StreamPreamble.Features(_stage, tlsOffered: !_secure, tlsRequired: _options.RequireTls,
            SaslNegotiator.Mechanisms(_secure, binding), binding.Types, registration: RegistrationOffered, csi: _options.Csi.Enabled,
            sasl2: Sasl2Feature(binding), sm: _options.StreamManagement.Enabled));
    }

    private async Task OnSaslAsync(XElement element, CancellationToken ct)
    {
        if (_sasl2 is { InProgress: true })
        {
            CloseWithStreamError(StreamErrors.PolicyViolation, "a SASL2 authentication is in progress");
            return;
        }
        _sasl ??= new SaslNegotiator(_options.Domain, _secure, _sm, _channelBinding ??= ChannelBindings());
        var outcome = await _sasl.HandleAsync(element, ct);
        switch (outcome)
        {
            case SaslOutcome.Challenge challenge:
                Send($"<challenge xmlns='{Ns.Sasl}'>{challenge.Data}</challenge>");
                break;
            case SaslOutcome.Success success:
                _localPart = success.LocalPart;
                _sasl = null; // its exchange state is of no further use
                _channelBinding = null; // nor the channel binding data
                Send(success.Data is null ? $"<success xmlns='{Ns.Sasl}'/>" : $"<success xmlns='{Ns.Sasl}'>{success.Data}</success>");
                _parser.Reset();
                _headerSent = false;
                _stage = StreamStage.Authenticated;
                _logger.LogInformation("Connection {Id} authenticated as {User}", Id, _localPart);
                break;
            case SaslOutcome.Failure failure:
                await OnAuthFailureAsync(failure.Condition, failure.CountsAsAttempt, failure.Text, sasl2: false, ct);
                break;
        }
    }

    /// <summary>
    /// A failed SASL or SASL2 attempt: counted, held back past the address's free failures when
    /// a credential was wrong (or the client aborted), answered in the profile's &lt;failure/&gt;,
    /// and the stream closed after C2s:MaxAuthFailures.
    /// </summary>
    private async Task OnAuthFailureAsync(string condition, bool countsAsAttempt, string? text, bool sasl2, CancellationToken ct)
    {
        Telemetry.C2sTelemetry.AuthFailed(condition);
        var heldBack = countsAsAttempt ? await HoldBackFailureAsync(ct) : TimeSpan.Zero;
        _logger.LogInformation("Connection {Id} from {Address}: {Profile} failure {Condition}{Why} (held back {Milliseconds} ms)",
            Id, RemoteAddress, sasl2 ? "SASL2" : "SASL", condition, text is null ? "" : $" ({text})", (long)heldBack.TotalMilliseconds);
        if (sasl2) Send(Sasl2Xml.Failure(condition, text));
        else SendSaslFailure(condition, text);
        if (countsAsAttempt && ++_authFailures >= _options.MaxAuthFailures)
            CloseWithStreamError(StreamErrors.PolicyViolation, "too many failed authentication attempts");
    }

    /// <summary>
    /// Counts a failed attempt against the client's address and, past C2s:AuthIpFreeFailures,
    /// holds the &lt;failure/&gt; answer back for the address's back-off (this stream reads nothing
    /// meanwhile); returns how long. Successful logins are never held back.
    /// </summary>
    private async Task<TimeSpan> HoldBackFailureAsync(CancellationToken ct)
    {
        var delay = _sm.AuthFailures.Fail(RemoteAddress);
        if (delay <= TimeSpan.Zero) return TimeSpan.Zero;
        Telemetry.C2sTelemetry.AuthDelayed();
        await Task.Delay(delay, ct);
        return delay;
    }

    private void SendSaslFailure(string condition, string? text = null) =>
        Send(text is null
            ? $"<failure xmlns='{Ns.Sasl}'><{condition}/></failure>"
            : $"<failure xmlns='{Ns.Sasl}'><{condition}/><text xml:lang='en'>{System.Security.SecurityElement.Escape(text)}</text></failure>");
}
