using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xmpp.Common;
using Xmpp.Common.Components;
using Xmpp.Common.Stanzas;
using Xmpp.Muc.Storage;
using Xmpp.Muc.Telemetry;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// The group chat service (XEP-0045) behind the component link: every stanza for the service's
/// domain arrives here, one at a time, and goes by kind and address to the part that handles it:
/// the service itself (disco), a room (groupchat, invitations, voice requests, admin and owner
/// queries, MAM, disco) or an occupant JID (entering and leaving, nick changes, private messages,
/// XEP-0410 self-pings).
/// </summary>
public sealed class MucService : IServiceComponent
{
    private readonly MucContext _ctx;
    private readonly RoomRegistry _rooms;
    private readonly RoomPresence _presence;
    private readonly RoomMessages _messages;
    private readonly RoomAdmin _admin;
    private readonly RoomOwner _owner;
    private readonly RoomArchive _archive;
    private readonly MucDisco _disco;
    private readonly OccupantIqs _occupantIqs;
    // The link hands stanzas over one at a time; the gate keeps the expiry timer and a stopping host out of the rooms meanwhile.
    private readonly Lock _gate = new();
    private bool _stopped;

    public MucService(IOptions<MucOptions> options, IStanzaSender sender, IMucStore store, TimeProvider clock, MucTelemetry telemetry, ILogger<MucService> logger)
    {
        _ctx = new MucContext(options.Value, sender, store, clock, telemetry, logger);
        _rooms = new RoomRegistry(_ctx);
        var broadcast = new RoomBroadcast(_ctx);
        _presence = new RoomPresence(_ctx, _rooms, broadcast);
        _archive = new RoomArchive(_ctx);
        var moderation = new Moderation(_ctx, _presence, broadcast);
        _messages = new RoomMessages(_ctx, _presence, broadcast, _archive, moderation);
        _admin = new RoomAdmin(_ctx, moderation);
        _owner = new RoomOwner(_ctx, _rooms, _presence, broadcast);
        _disco = new MucDisco(_rooms);
        _occupantIqs = new OccupantIqs(_ctx);
    }

    internal RoomRegistry Rooms => _rooms;

    /// <summary>The expiry timer deleted archived messages (per room): the rooms' counts follow, so the per-room bound stays exact.</summary>
    public void ArchiveExpired(IReadOnlyDictionary<string, int> removed)
    {
        lock (_gate)
            foreach (var (roomJid, count) in removed)
                if (Jid.TryParse(roomJid, out var jid) && _rooms.Find(jid) is { } room)
                    room.ArchiveCount = Math.Max(0, room.ArchiveCount - count);
    }

    public ValueTask HandleAsync(XElement stanza, CancellationToken ct)
    {
        lock (_gate) Handle(stanza);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The service is stopping (SIGTERM): every occupant gets unavailable with status 332 (§7.14: system
    /// shutdown), so clients know to enter again once it is back; persistent rooms stay stored. Nothing
    /// is handled afterwards.
    /// </summary>
    public void Shutdown()
    {
        lock (_gate)
        {
            _stopped = true;
            foreach (var room in _rooms.All.ToArray())
                foreach (var occupant in room.Occupants.ToArray())
                    _presence.Remove(room, occupant, new PresenceChange { Unavailable = true, Codes = [332] }, "shutdown");
        }
    }

    private void Handle(XElement stanza)
    {
        if (_stopped)
        {
            _ctx.Refuse(stanza, StanzaErrors.ServiceUnavailable, StanzaErrors.Wait, "The group chat service is stopping");
            return;
        }
        // The link checked both addresses: valid JIDs, 'to' within the service's domain.
        var from = Jid.Parse((string)stanza.Attribute("from")!);
        var to = Jid.Parse((string)stanza.Attribute("to")!);
        switch (stanza.Name.LocalName)
        {
            case "presence":
                if (to.Local is null) _ctx.Drop(stanza, "presence-to-service");
                else _presence.Handle(stanza, from, to);
                break;
            case "message":
                Message(stanza, from, to);
                break;
            default:
                Iq(stanza, from, to);
                break;
        }
    }

    /// <summary>A stanza of the room's that sm or the router could not deliver: the occupant it was for is gone (a ghost), unless the way was only congested.</summary>
    public void Returned(XElement stanza, string reason)
    {
        if (reason.Contains("Congested", StringComparison.OrdinalIgnoreCase)) return;
        if (Jid.TryParse((string?)stanza.Attribute("to"), out var realJid) && Jid.TryParse((string?)stanza.Attribute("from"), out var roomJid) && roomJid.Local is not null)
            lock (_gate)
                if (!_stopped) _presence.RemoveGhost(realJid, roomJid, "returned " + stanza.Name.LocalName);
    }

    private void Message(XElement stanza, Jid from, Jid to)
    {
        if (to.Local is null)
        {
            _ctx.Refuse(stanza, StanzaErrors.ServiceUnavailable, StanzaErrors.Cancel);
            return;
        }
        if (_rooms.Find(to.Bare) is not { } room)
        {
            _ctx.Refuse(stanza, StanzaErrors.ItemNotFound, StanzaErrors.Cancel);
            return;
        }
        if (to.IsBare) _messages.ToRoom(stanza, from, room);
        else _messages.ToOccupant(stanza, from, room, to.Resource!);
    }

    private void Iq(XElement iq, Jid from, Jid to)
    {
        var type = (string?)iq.Attribute("type");
        if (type is not ("get" or "set"))
        {
            if (to.IsFull) _occupantIqs.Answer(iq, from); // an answer to a request between occupants
            else _ctx.Drop(iq, "iq-" + type); // nothing the service itself sent asks for an answer
            return;
        }
        var payload = iq.Elements().FirstOrDefault();
        var ns = payload?.Name.NamespaceName;
        if (payload is null || iq.Elements().Skip(1).Any())
        {
            _ctx.Refuse(iq, StanzaErrors.BadRequest, StanzaErrors.Modify);
            return;
        }
        if (to.Local is null)
        {
            switch (type, ns, payload.Name.LocalName)
            {
                case ("get", MucNs.DiscoInfo, "query") when payload.Attribute("node") is null: _ctx.Result(iq, _disco.ServiceInfo()); break;
                case ("get", MucNs.DiscoItems, "query") when payload.Attribute("node") is null: _ctx.Result(iq, _disco.ServiceItems()); break;
                case ("get", MucNs.Ping, "ping"): _ctx.Result(iq); break;
                default: _ctx.Refuse(iq, StanzaErrors.ServiceUnavailable, StanzaErrors.Cancel); break;
            }
            return;
        }
        if (_rooms.Find(to.Bare) is not { } room)
        {
            _ctx.Refuse(iq, StanzaErrors.ItemNotFound, StanzaErrors.Cancel);
            return;
        }
        if (to.IsFull)
        {
            OccupantIq(iq, from, room, to.Resource!, ns);
            return;
        }
        switch (type, ns, payload.Name.LocalName)
        {
            case ("get", MucNs.DiscoInfo, "query"): _ctx.Result(iq, MucDisco.RoomInfo(room)); break;
            case ("get", MucNs.DiscoItems, "query"): _ctx.Result(iq, MucDisco.RoomItems()); break;
            case (_, MucNs.Admin, "query"): _admin.Handle(iq, from, room); break;
            case (_, MucNs.Owner, "query"): _owner.Handle(iq, from, room); break;
            case (_, MucNs.Mam, "query"): _archive.Handle(iq, from, room); break;
            case ("get", MucNs.Ping, "ping"): _ctx.Result(iq); break;
            default: _ctx.Refuse(iq, StanzaErrors.ServiceUnavailable, StanzaErrors.Cancel); break;
        }
    }

    /// <summary>
    /// XEP-0410: a ping to one's own occupant JID is answered by the room (the session is still in
    /// the room); from anyone not in the room it is &lt;not-acceptable/&gt;, so a client that was
    /// dropped (a room service restart) learns it must enter again. Requests to another occupant go
    /// to its session (<see cref="OccupantIqs"/>).
    /// </summary>
    private void OccupantIq(XElement iq, Jid from, Room room, string nick, string? ns)
    {
        if (!room.ByRealJid.TryGetValue(from, out var occupant))
        {
            _ctx.Refuse(iq, StanzaErrors.NotAcceptable, StanzaErrors.Cancel);
            return;
        }
        if (!room.ByNick.TryGetValue(nick, out var addressee))
        {
            _ctx.Refuse(iq, StanzaErrors.ItemNotFound, StanzaErrors.Cancel);
            return;
        }
        if (ReferenceEquals(addressee, occupant))
        {
            if (ns == MucNs.Ping) _ctx.Result(iq);
            else _ctx.Refuse(iq, StanzaErrors.ServiceUnavailable, StanzaErrors.Cancel);
            return;
        }
        _occupantIqs.Forward(iq, occupant, addressee);
    }
}
