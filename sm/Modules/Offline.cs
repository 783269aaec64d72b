using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Telemetry;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Modules;

/// <summary>
/// XEP-0160 offline messages: a message no resource could take is stored (up to
/// <see cref="SmOptions.OfflineLimit"/> messages and <see cref="OfflineOptions.MaxBytesPerAccount"/>
/// stanza bytes per user; beyond either the store declines, logged and counted, and the sender gets
/// &lt;service-unavailable/&gt;, RFC 6121 §8.5.2.1.1) and delivered, with a XEP-0203 delay stamp,
/// to the first resource that becomes available with a non-negative priority.
/// </summary>
public sealed class Offline(SmContext ctx) : IModule
{
    private static readonly XNamespace Delay = Ns.Delay;
    private readonly ILogger _logger = ctx.Logger("Xmpp.Sm.Modules.Offline");

    public string Name => "offline";

    public void Load(HookTable hooks)
    {
        hooks.AddFeature("msgoffline");
        hooks.Hook(Delivery.OfflineHook, Store);
        hooks.On<BecameReachable>(reachable => Flush(reachable.Session));
        // A message sm sent that never reached its client (c2s or the router returned it).
        hooks.On<ReturnedMessage>(returned => returned.Stored = TryStore(returned.User.ToString(), returned.Stanza.ToByteArray()));
    }

    private bool Store(StanzaEvent e) => TryStore(e.To!.Bare.ToString(), e.Raw?.ToByteArray() ?? StanzaCodec.ToBytes(e.Stanza));

    private bool TryStore(string user, byte[] stanza)
    {
        var quota = new OfflineQuota(ctx.Options.OfflineLimit, ctx.Options.Offline.MaxBytesPerAccount);
        var result = ctx.Storage.Offline.TryAdd(user, stanza, ctx.Clock.GetUtcNow(), quota);
        if (result.Stored) return true;
        var reason = result.Outcome == OfflineAddOutcome.TooManyMessages ? "messages" : "bytes";
        SmTelemetry.OfflineRefused.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Reason, reason));
        _logger.LogInformation("Offline store of {User} is full ({Messages} messages, {Bytes} bytes; limits {MaxMessages}, {MaxBytes}); a {Size}-byte message refused",
            user, result.Messages, result.Bytes, quota.MaxMessages, quota.MaxBytes, stanza.Length);
        return false; // the sender gets <service-unavailable/> (Delivery)
    }

    private void Flush(SmSession session)
    {
        var user = session.BareJid.ToString();
        var stored = ctx.Storage.Offline.Load(user);
        if (stored.Count == 0) return;
        // At most Sm:OfflineFlushBytes at once (always one message): a burst larger than the
        // client's output bound at c2s would cut the client off and come back here, at every login.
        var messages = new List<Storage.OfflineMessage>();
        long bytes = 0;
        foreach (var message in stored)
        {
            if (messages.Count > 0 && bytes + message.Stanza.Length > ctx.Options.OfflineFlushBytes) break;
            messages.Add(message);
            bytes += message.Stanza.Length;
        }
        if (messages.Count < stored.Count)
            _logger.LogInformation("Delivering {Count} of {Stored} offline messages of {User} ({Bytes} bytes); the rest at its next available presence", messages.Count, stored.Count, user, bytes);
        foreach (var message in messages)
        {
            try
            {
                ctx.Out.ToSession(session, WithDelay(StanzaCodec.Parse(message.Stanza), message.StoredAt));
            }
            catch (XmlException e)
            {
                _logger.LogWarning("Dropped unreadable offline message {Id} of {User}: {Error}", message.Id, user, e.Message);
            }
        }
        ctx.Storage.Offline.Remove(user, messages.Select(m => m.Id));
        _logger.LogDebug("Delivered {Count} offline messages to {Session}", messages.Count, session.Id);
    }

    private XElement WithDelay(XElement message, DateTimeOffset storedAt)
    {
        message.Add(new XElement(Delay + "delay",
            new XAttribute("from", ctx.Domain),
            new XAttribute("stamp", storedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))));
        return message;
    }
}
