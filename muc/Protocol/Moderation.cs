using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// XEP-0045 §8-10 changes of roles and affiliations, with their privilege rules and their effect on
/// occupants: kick (307), voice granted or revoked, moderator granted or revoked, ban (301), member
/// list changes (321 in members-only rooms), admins and owners (the last owner stays: &lt;conflict/&gt;).
/// Each returns null when done, or the refusal's condition.
/// </summary>
public sealed class Moderation(MucContext ctx, RoomPresence presence, RoomBroadcast broadcast)
{
    private static readonly XNamespace User = MucNs.User;

    public readonly record struct Refusal(string Condition, string Type);

    /// <summary>A moderator (<paramref name="actor"/>) gives <paramref name="target"/> a role (none: kicked).</summary>
    public Refusal? SetRole(Room room, Occupant actor, Occupant target, Role role, string? reason)
    {
        if (actor.Role != Role.Moderator) return new(StanzaErrors.Forbidden, StanzaErrors.Auth);
        var actorAffiliation = room.AffiliationOf(actor);
        var targetAffiliation = room.AffiliationOf(target);
        // §8.2, §8.4: nobody kicks or silences an admin or owner (or anyone above themselves)
        if (role < Role.Moderator && (targetAffiliation >= Affiliation.Admin || targetAffiliation > actorAffiliation) && !ReferenceEquals(actor, target))
            return new(StanzaErrors.NotAllowed, StanzaErrors.Cancel);
        // §9.6, §9.7: only admins and owners grant or revoke moderator
        if ((role == Role.Moderator || target.Role == Role.Moderator) && actorAffiliation < Affiliation.Admin && role != Role.None)
            return new(StanzaErrors.NotAllowed, StanzaErrors.Cancel);
        if (role == target.Role) return null;
        var itemChildren = ItemChildren(actor.Nick, reason);
        if (role == Role.None)
        {
            ctx.Logger.LogInformation("{Actor} kicked {Nick} from {Room}", actor.Nick, target.Nick, room.Jid);
            presence.Remove(room, target, new PresenceChange { Unavailable = true, Codes = [307], ItemChildren = itemChildren }, "kicked");
            return null;
        }
        target.Role = role;
        broadcast.PresenceToAll(room, target, new PresenceChange { ItemChildren = itemChildren });
        return null;
    }

    /// <summary>Someone of <paramref name="actorAffiliation"/> (in the room or not) gives the bare JID <paramref name="target"/> an affiliation.</summary>
    public Refusal? SetAffiliation(Room room, Affiliation actorAffiliation, string? actorNick, Jid target, Affiliation affiliation, string? reason)
    {
        if (actorAffiliation < Affiliation.Admin) return new(StanzaErrors.Forbidden, StanzaErrors.Auth);
        var bare = target.Bare.ToString();
        var current = room.Affiliations.GetValueOrDefault(bare, Affiliation.None);
        // §10.3-10.7: only owners touch admins and owners
        if ((affiliation >= Affiliation.Admin || current >= Affiliation.Admin) && actorAffiliation < Affiliation.Owner)
            return new(StanzaErrors.NotAllowed, StanzaErrors.Cancel);
        if (current == Affiliation.Owner && affiliation != Affiliation.Owner && room.Affiliations.Values.Count(a => a == Affiliation.Owner) == 1)
            return new(StanzaErrors.Conflict, StanzaErrors.Cancel); // §10.6: a room keeps an owner
        if (current == affiliation) return null;
        if (current == Affiliation.None && room.Affiliations.Count >= ctx.Options.MaxAffiliationsPerRoom)
            return new(StanzaErrors.ResourceConstraint, StanzaErrors.Wait);
        if (affiliation == Affiliation.None) room.Affiliations.Remove(bare);
        else room.Affiliations[bare] = affiliation;
        if (room.Config.Persistent) ctx.Store.SetAffiliation(room.Jid.ToString(), bare, affiliation);
        ctx.Logger.LogInformation("{Jid} is now {Affiliation} of {Room}", bare, affiliation.Name(), room.Jid);

        var itemChildren = ItemChildren(actorNick, reason);
        foreach (var occupant in room.Occupants.Where(o => o.RealJid.Bare.ToString() == bare).ToArray())
        {
            if (affiliation == Affiliation.Outcast)
                presence.Remove(room, occupant, new PresenceChange { Unavailable = true, Codes = [301], ItemChildren = itemChildren }, "banned");
            else if (affiliation == Affiliation.None && room.Config.MembersOnly)
                presence.Remove(room, occupant, new PresenceChange { Unavailable = true, Codes = [321], ItemChildren = itemChildren }, "affiliation");
            else
            {
                occupant.Role = room.DefaultRole(room.AffiliationOf(occupant));
                broadcast.PresenceToAll(room, occupant, new PresenceChange { ItemChildren = itemChildren });
            }
        }
        return null;
    }

    /// <summary>§9.3 voice requests and §7.8 invitations to members-only rooms make members through here, as the room itself.</summary>
    public void MakeMember(Room room, Jid target)
    {
        if (room.AffiliationOf(target) != Affiliation.None) return; // never un-bans, never demotes
        _ = SetAffiliation(room, Affiliation.Owner, null, target, Affiliation.Member, null);
    }

    private static XElement[] ItemChildren(string? actorNick, string? reason)
    {
        var children = new List<XElement>();
        if (actorNick is not null) children.Add(new XElement(User + "actor", new XAttribute("nick", actorNick)));
        if (!string.IsNullOrEmpty(reason)) children.Add(new XElement(User + "reason", reason));
        return [.. children];
    }
}
