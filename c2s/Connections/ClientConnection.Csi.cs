using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.C2s.Protocol;
using Xmpp.C2s.Telemetry;
using Xmpp.Protos;

namespace Xmpp.C2s.Connections;

/// <summary>
/// XEP-0352 client state indication. It lives in c2s (the design puts CSI with the connection):
/// the hold-back is about what is written to this socket, and sm need not know. After bind the
/// client's &lt;inactive/&gt; starts holding unimportant presence (<see cref="CsiHold"/>: the latest
/// per contact, bounded in bytes); &lt;active/&gt; sends what was held and stops holding. A message or
/// any other stanza for the client sends what was held first, so order is kept. When the
/// connection ends, what is held goes back to sm with the other unwritten stanzas.
/// </summary>
public sealed partial class ClientConnection
{
    private readonly Lock _csiLock = new();
    private CsiHold? _held; // guarded by _csiLock; non-null while the client is inactive

    /// <summary>Takes a CSI nonza; false when <paramref name="element"/> is not one.</summary>
    private bool OnCsiNonza(XElement element)
    {
        if (element.Name.NamespaceName != CsiHold.Namespace || !_options.Csi.Enabled) return false;
        switch (element.Name.LocalName)
        {
            case "inactive":
                lock (_csiLock) _held ??= new CsiHold(_options.Csi.MaxHeldBytes, supersede: !SmNumbering()); // XEP-0198: numbered stanzas are never dropped
                C2sTelemetry.CsiState("inactive");
                break;
            case "active":
                lock (_csiLock)
                {
                    if (_held is { } held)
                    {
                        EnqueueHeld(held.TakeAll(), "active");
                        _held = null;
                    }
                }
                C2sTelemetry.CsiState("active");
                break;
            default:
                return false; // not a CSI nonza: the usual handling (an unsupported-stanza-type stream error)
        }
        return true;
    }

    /// <summary>
    /// Whether CSI took <paramref name="packet"/> (held it). If not, everything held was sent
    /// first and the caller delivers the packet.
    /// </summary>
    private bool HeldByCsi(Packet packet)
    {
        if (Volatile.Read(ref _held) is null) return false;
        lock (_csiLock)
        {
            if (_held is not { } held) return false;
            switch (held.Offer(packet))
            {
                case CsiHold.Outcome.Held:
                    return true;
                case CsiHold.Outcome.Replaced:
                    _logger.LogDebug("Connection {Id}: a held presence from {From} replaced by a newer one (client inactive)", Id, packet.StanzaFrom);
                    C2sTelemetry.CsiSuperseded();
                    return true;
                default:
                    if (held.Count > 0) EnqueueHeld(held.TakeAll(), CsiHold.IsUnimportant(packet) ? "bytes" : packet.Kind);
                    return false;
            }
        }
    }

    private void EnqueueHeld(List<Packet> packets, string why)
    {
        if (packets.Count == 0) return;
        C2sTelemetry.CsiFlushed(why, packets.Count);
        foreach (var packet in packets) DeliverNow(packet);
    }

    /// <summary>What CSI holds, for the packets returned to sm when the connection ends.</summary>
    private List<Packet> TakeHeldByCsi()
    {
        lock (_csiLock)
        {
            var held = _held?.TakeAll() ?? [];
            _held = null;
            return held;
        }
    }
}
