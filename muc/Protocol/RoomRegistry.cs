using Microsoft.Extensions.Logging;
using Xmpp.Common;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// The rooms that exist: every persistent room (loaded from storage at start, occupants or not) and
/// the temporary rooms that have occupants. Creates rooms within Muc:MaxRooms and destroys them.
/// </summary>
public sealed class RoomRegistry
{
    private readonly MucContext _ctx;
    private readonly Dictionary<Jid, Room> _rooms = [];
    private readonly HashSet<string> _serviceAdmins;

    public RoomRegistry(MucContext ctx)
    {
        _ctx = ctx;
        _serviceAdmins = new HashSet<string>(ctx.Options.Admins.Select(a => Jid.TryParse(a, out var j) ? j.Bare.ToString() : a), StringComparer.Ordinal);
        var orphans = ctx.Store.DeleteOrphanArchives();
        if (orphans > 0) ctx.Logger.LogInformation("Deleted {Count} archived messages of temporary rooms of an earlier run", orphans);
        foreach (var stored in ctx.Store.LoadRooms())
        {
            if (!Jid.TryParse(stored.Jid, out var jid)) continue;
            var room = new Room(jid, stored.Config, stored.Secret)
            {
                Subject = stored.Subject,
                SubjectNick = stored.SubjectNick,
                ArchiveCount = stored.ArchiveCount,
                ServiceAdmins = _serviceAdmins,
            };
            foreach (var (member, affiliation) in stored.Affiliations) room.Affiliations[member] = affiliation;
            foreach (var m in ctx.Store.Last(stored.Jid, room.Config.HistoryLength))
                room.AddHistory(new HistoryEntry(Xmpp.Common.Stanzas.StanzaCodec.Parse(m.Stanza), m.Stamp, m.Stanza.Length));
            _rooms[jid] = room;
        }
        ctx.Telemetry.RoomsChanged(_rooms.Count);
        ctx.Logger.LogInformation("Loaded {Count} persistent rooms", _rooms.Count);
    }

    public int Count => _rooms.Count;

    public IEnumerable<Room> All => _rooms.Values;

    public Room? Find(Jid roomJid) => _rooms.GetValueOrDefault(roomJid);

    public bool IsServiceAdmin(Jid jid) => _serviceAdmins.Contains(jid.Bare.ToString());

    /// <summary>Whether <paramref name="creator"/> may create a room now; the refusal's condition otherwise.</summary>
    public string? MayCreate(Jid creator)
    {
        if (_ctx.Options.RestrictRoomCreation && !IsServiceAdmin(creator)) return "not-allowed";
        if (_rooms.Count >= _ctx.Options.MaxRooms) return "resource-constraint";
        return null;
    }

    /// <summary>A new room owned by <paramref name="creator"/>, with the service's default configuration.</summary>
    public Room Create(Jid roomJid, Jid creator)
    {
        var room = new Room(roomJid, RoomConfig.Defaults(_ctx.Options), OccupantIds.NewSecret()) { ServiceAdmins = _serviceAdmins };
        room.Affiliations[creator.Bare.ToString()] = Affiliation.Owner;
        _rooms[roomJid] = room;
        _ctx.Telemetry.RoomsChanged(1);
        _ctx.Logger.LogInformation("Room {Room} created by {Creator}", roomJid, creator.Bare);
        if (room.Config.Persistent) _ctx.Store.SaveRoom(room);
        return room;
    }

    /// <summary>Forgets the room and deletes what is stored of it (its archive too).</summary>
    public void Remove(Room room)
    {
        if (!_rooms.Remove(room.Jid)) return;
        _ctx.Telemetry.RoomsChanged(-1);
        if (room.Config.Persistent) _ctx.Store.DeleteRoom(room.Jid.ToString());
        else if (room.ArchiveCount > 0) _ctx.Store.DeleteArchive(room.Jid.ToString());
        _ctx.Logger.LogInformation("Room {Room} removed", room.Jid);
    }
}
