using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Components;
using Xmpp.Common.Stanzas;
using Xmpp.Muc.Storage;
using Xmpp.Muc.Telemetry;

namespace Xmpp.Muc.Protocol;

/// <summary>What every part of the room logic shares: settings, the way out, storage, the clock, counters, the log.</summary>
public sealed class MucContext(MucOptions options, IStanzaSender sender, IMucStore store, TimeProvider clock, MucTelemetry telemetry, ILogger logger)
{
    public static readonly XNamespace Client = Ns.Client;

    public MucOptions Options { get; } = options;
    public IMucStore Store { get; } = store;
    public TimeProvider Clock { get; } = clock;
    public MucTelemetry Telemetry { get; } = telemetry;
    public ILogger Logger { get; } = logger;
    public string Domain => sender.Domain;

    public void Send(XElement stanza) => sender.Send(stanza);

    /// <summary>One stanza to many (serialized once by the link); counted as deliveries.</summary>
    public void SendToEach(XElement stanza, IReadOnlyList<string> recipients)
    {
        if (recipients.Count == 0) return;
        Telemetry.Deliveries.Add(sender.SendToEach(stanza, recipients));
    }

    /// <summary>
    /// The error answer to <paramref name="original"/> from the JID it was sent to, logged and counted;
    /// never for an error or a result. A presence error carries only an empty &lt;x xmlns='muc'/&gt;
    /// (never the password it came with), other stanzas their payload (RFC 6120 §8.3.1).
    /// </summary>
    public void Refuse(XElement original, string condition, string? type = null, string? text = null)
    {
        var kind = original.Name.LocalName;
        var originalType = (string?)original.Attribute("type");
        if (originalType == "error" || (kind == "iq" && originalType == "result")) return;
        Telemetry.Refused(kind, condition);
        Logger.LogDebug("Refused a {Kind} from {From} to {To}: {Condition}", kind, (string?)original.Attribute("from"), (string?)original.Attribute("to"), condition);
        var reply = StanzaErrors.Reply(original, type ?? StanzaErrors.DefaultType(condition), condition, text);
        if (kind == "presence")
        {
            reply.Elements().Where(e => e.Name.LocalName != "error").Remove();
            reply.AddFirst(new XElement(XName.Get("x", MucNs.Muc)));
        }
        Send(reply);
    }

    /// <summary>A stanza nobody answers (an error or result nobody waits for, a subscription request): logged and counted.</summary>
    public void Drop(XElement stanza, string reason)
    {
        Telemetry.Dropped(reason);
        Logger.LogDebug("Dropped a {Kind} ({Type}) from {From} to {To}: {Reason}", stanza.Name.LocalName, (string?)stanza.Attribute("type") ?? "",
            (string?)stanza.Attribute("from"), (string?)stanza.Attribute("to"), reason);
    }

    /// <summary>An iq result to <paramref name="request"/> with an optional payload.</summary>
    public void Result(XElement request, XElement? payload = null) =>
        Send(new XElement(Client + "iq", new XAttribute("type", "result"), new XAttribute("id", (string?)request.Attribute("id") ?? ""),
            new XAttribute("from", (string?)request.Attribute("to") ?? Domain), new XAttribute("to", (string?)request.Attribute("from") ?? ""), payload));

    public DateTimeOffset Now => Clock.GetUtcNow();
}
