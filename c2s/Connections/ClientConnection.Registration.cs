using System.Xml.Linq;
using Xmpp.C2s.Registration;
using Xmpp.C2s.Telemetry;
using Xmpp.Common.Sasl;
using Xmpp.Common.Stanzas;
using Xmpp.Protos;

namespace Xmpp.C2s.Connections;

/// <summary>
/// XEP-0077 in-band registration, the stream-level part: before authentication the form and the
/// account creation (CREATE to sm with SCRAM keys derived here, so the password never crosses the
/// router); after it, the user's own password change (PASSWD naming this session). The stream stays
/// open whatever the answer (an iq error, never a stream error).
/// </summary>
public sealed partial class ClientConnection
{
    private RegistrationOptions RegistrationSettings => _options.Registration;

    /// <summary>Whether this stream may register now: enabled, not authenticated, and encrypted when TLS is required.</summary>
    private bool RegistrationOffered => RegistrationSettings.Enabled && (_secure || !_options.RequireTls);

    private async Task OnRegistrationBeforeAuthAsync(XElement iq, CancellationToken ct)
    {
        if (!RegistrationOffered)
        {
            C2sTelemetry.RegistrationRefused(RegistrationSettings.Enabled ? "encryption-required" : "disabled");
            _logger.LogInformation("Connection {Id} from {Address}: registration query refused ({Reason})", Id, RemoteAddress,
                RegistrationSettings.Enabled ? "TLS first" : "C2s:Registration:Enabled is off");
            SendStanza(StanzaErrors.Reply(iq, StanzaErrors.Cancel, StanzaErrors.ServiceUnavailable,
                RegistrationSettings.Enabled ? "negotiate TLS before registering" : "in-band registration is not offered here"));
            return;
        }
        switch (RegistrationRequest.Classify(iq, _options.Domain))
        {
            case RegistrationRequest.Kind.Form:
                SendStanza(RegistrationRequest.Form(iq));
                return;
            case RegistrationRequest.Kind.Remove:
                SendStanza(StanzaErrors.Reply(iq, StanzaErrors.Auth, StanzaErrors.NotAuthorized, "log in to remove your account"));
                return;
            case RegistrationRequest.Kind.Invalid invalid:
                C2sTelemetry.RegistrationRefused("invalid");
                SendStanza(StanzaErrors.Reply(iq, StanzaErrors.DefaultType(invalid.Condition), invalid.Condition, invalid.Text));
                return;
            case RegistrationRequest.Kind.Register register:
                await RegisterAsync(iq, register, ct);
                return;
        }
    }

    private async Task RegisterAsync(XElement iq, RegistrationRequest.Kind.Register register, CancellationToken ct)
    {
        if (!_sm.Registrations.TryAcquire(RemoteAddress))
        {
            C2sTelemetry.RegistrationRefused("rate");
            _logger.LogWarning("Connection {Id} from {Address}: registration refused: more than {Limit} per {Window} from this address (C2s:Registration:PerAddressLimit)",
                Id, RemoteAddress, RegistrationSettings.PerAddressLimit, RegistrationSettings.PerAddressWindow);
            SendStanza(StanzaErrors.Reply(iq, StanzaErrors.Wait, StanzaErrors.ResourceConstraint, "too many registrations from your address; try again later"));
            return;
        }
        var request = new Session
        {
            Action = Session.Types.Action.Create,
            C2SSession = Id,
            Target = register.User.ToString(),
            Credentials = WireCredentials.Derive(register.Password, RegistrationSettings.ScramIterations),
        };
        var (session, failure) = await AskSmAsync(request, ct);
        if (session is { Failed: false, Action: Session.Types.Action.Created })
        {
            C2sTelemetry.Registered();
            _logger.LogInformation("Connection {Id} from {Address} registered {User}", Id, RemoteAddress, register.User);
            SendStanza(RegistrationRequest.Result(iq));
            return;
        }
        var reason = session?.Reason ?? failure ?? "unknown";
        C2sTelemetry.RegistrationRefused(reason);
        _logger.LogInformation("Connection {Id} from {Address}: registration of {User} refused by sm: {Reason}", Id, RemoteAddress, register.User, reason);
        SendStanza(reason switch
        {
            "conflict" or "reserved" => StanzaErrors.Reply(iq, StanzaErrors.Cancel, StanzaErrors.Conflict, "the username is not available"),
            "forbidden" => StanzaErrors.Reply(iq, StanzaErrors.Cancel, StanzaErrors.ServiceUnavailable, "in-band registration is not offered here"),
            "bad-target" or "host-unknown" => StanzaErrors.Reply(iq, StanzaErrors.Modify, StanzaErrors.NotAcceptable, "the username is not acceptable"),
            _ => StanzaErrors.Reply(iq, StanzaErrors.Wait, StanzaErrors.InternalServerError, "the account could not be created; try again later"),
        });
    }

    /// <summary>
    /// XEP-0077 §3.3: a logged-in user changes its password. c2s derives the new SCRAM keys from the
    /// password it sees and sends sm a PASSWD naming this session; sm stores them. True when the
    /// stanza was such a request (answered here); a removal and anything else goes on to sm.
    /// </summary>
    private async Task<bool> TryChangePasswordAsync(XElement iq, CancellationToken ct)
    {
        if ((string?)iq.Attribute("type") != "set" || !RegistrationRequest.Is(iq, _options.Domain)) return false;
        var kind = RegistrationRequest.Classify(iq, _options.Domain);
        if (kind is RegistrationRequest.Kind.Remove) return false;
        if (kind is RegistrationRequest.Kind.Invalid invalid)
        {
            SendStanza(StanzaErrors.Reply(iq, StanzaErrors.DefaultType(invalid.Condition), invalid.Condition, invalid.Text));
            return true;
        }
        var change = (RegistrationRequest.Kind.Register)kind;
        if (change.User != _jid!.Bare)
        {
            SendStanza(StanzaErrors.Reply(iq, StanzaErrors.Auth, StanzaErrors.NotAuthorized, "you may change your own password only"));
            return true;
        }
        var request = new Session
        {
            Action = Session.Types.Action.Passwd,
            C2SSession = Id,
            SmSession = _smSession ?? "",
            Target = change.User.ToString(),
            Credentials = WireCredentials.Derive(change.Password, RegistrationSettings.ScramIterations),
        };
        var (session, failure) = await AskSmAsync(request, ct, _smOwner);
        if (session is { Failed: false, Action: Session.Types.Action.PasswdDone })
        {
            _logger.LogInformation("Connection {Id}: {User} changed its password", Id, change.User);
            SendStanza(RegistrationRequest.Result(iq));
        }
        else
        {
            _logger.LogWarning("Connection {Id}: password change of {User} failed: {Reason}", Id, change.User, session?.Reason ?? failure);
            SendStanza(StanzaErrors.Reply(iq, StanzaErrors.Wait, StanzaErrors.InternalServerError, "the password could not be changed"));
        }
        return true;
    }

    /// <summary>A session request to sm and its answer, or null and why not (route error, timeout).</summary>
    private async Task<(Session? Answer, string? Failure)> AskSmAsync(Session request, CancellationToken ct, string? to = null)
    {
        try
        {
            var answer = await _sm.RequestAsync(request, string.IsNullOrEmpty(to) ? _sm.SmAddress : to, ct);
            C2sTelemetry.SessionAnswer(answer);
            if (answer.RouteError is { Code: not RouteError.Types.Code.RouteErrorNone } error) return (null, error.Code.ToString());
            return (answer.Session, null);
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            return (null, e.Message);
        }
    }
}
