using System.Globalization;
using System.Xml.Linq;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// XEP-0045 §10.2 room configuration as a muc#roomconfig data form: the fields Prosody and ejabberd
/// offer (name, description, persistent, public, members-only, password, moderated, whois, subject
/// changes, invitations, max users, history length, archiving), written for the owner and read back.
/// </summary>
public static class RoomConfigForm
{
    public const string RoomName = "muc#roomconfig_roomname";
    public const string RoomDesc = "muc#roomconfig_roomdesc";
    public const string Persistent = "muc#roomconfig_persistentroom";
    public const string Public = "muc#roomconfig_publicroom";
    public const string MembersOnly = "muc#roomconfig_membersonly";
    public const string PasswordProtected = "muc#roomconfig_passwordprotectedroom";
    public const string Secret = "muc#roomconfig_roomsecret";
    public const string Moderated = "muc#roomconfig_moderatedroom";
    public const string WhoIsField = "muc#roomconfig_whois";
    public const string ChangeSubject = "muc#roomconfig_changesubject";
    public const string AllowInvites = "muc#roomconfig_allowinvites";
    public const string MaxUsers = "muc#roomconfig_maxusers";
    public const string HistoryLength = "muc#roomconfig_historylength";
    /// <summary>ejabberd's name of the archiving switch; Prosody's is <see cref="EnableArchiving"/>, read too.</summary>
    public const string Mam = "mam";
    public const string EnableArchiving = "muc#roomconfig_enablearchiving";

    public static XElement Form(Room room, MucOptions options)
    {
        var c = room.Config;
        var maxUsers = new[] { 10, 20, 30, 50, 100, 200, 500, 1000, 5000 }.Where(n => n <= options.MaxOccupantsPerRoom)
            .Append(options.MaxOccupantsPerRoom).Append(c.MaxUsers).Distinct().Order()
            .Select(n => (n.ToString(CultureInfo.InvariantCulture), n.ToString(CultureInfo.InvariantCulture))).ToArray();
        var form = DataForm.Form("form", MucNs.RoomConfig,
            DataForm.Field(RoomName, "text-single", "Name", c.Name),
            DataForm.Field(RoomDesc, "text-single", "Description", c.Description),
            DataForm.Boolean(Persistent, "Make room persistent", c.Persistent),
            DataForm.Boolean(Public, "Make room publicly searchable", c.Public),
            DataForm.Boolean(MembersOnly, "Make room members-only", c.MembersOnly),
            DataForm.Boolean(PasswordProtected, "Password protect the room", c.Password is not null),
            DataForm.Field(Secret, "text-private", "Password", c.Password ?? ""),
            DataForm.Boolean(Moderated, "Make room moderated", c.Moderated),
            DataForm.ListSingle(WhoIsField, "Who may discover real JIDs", c.WhoIs == WhoIs.Anyone ? "anyone" : "moderators",
                ("moderators", "Moderators only"), ("anyone", "Anyone")),
            DataForm.Boolean(ChangeSubject, "Allow occupants to change the subject", c.ChangeSubject),
            DataForm.Boolean(AllowInvites, "Allow occupants to invite others", c.AllowInvites),
            DataForm.ListSingle(MaxUsers, "Maximum number of occupants", c.MaxUsers.ToString(CultureInfo.InvariantCulture), maxUsers),
            DataForm.Field(HistoryLength, "text-single", $"Messages of history sent on entering (at most {options.MaxHistoryMessages})",
                c.HistoryLength.ToString(CultureInfo.InvariantCulture)),
            DataForm.Boolean(Mam, "Archive the messages (XEP-0313)", c.Archive));
        form.AddFirst(new XElement(DataForm.X + "title", $"Configuration of {room.Jid}"));
        return form;
    }

    /// <summary>
    /// The configuration <paramref name="submitted"/> asks for, starting from <paramref name="current"/>
    /// (fields left out keep their values); null with the reason when a value is invalid.
    /// </summary>
    public static RoomConfig? Apply(RoomConfig current, XElement submitted, MucOptions options, out string? error)
    {
        error = null;
        var c = current;
        bool? Bool(string var)
        {
            var value = DataForm.Value(submitted, var);
            if (value is null) return null;
            var parsed = DataForm.Boolean(submitted, var);
            if (parsed is null) throw new FormatException($"{var} must be a boolean");
            return parsed;
        }
        int? Int(string var, int min, int max)
        {
            var value = DataForm.Value(submitted, var);
            if (value is null) return null;
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min)
                throw new FormatException($"{var} must be a number");
            if (n > max) throw new FormatException($"{var} may be at most {max}");
            return n;
        }
        try
        {
            c = c with
            {
                Name = DataForm.Value(submitted, RoomName) ?? c.Name,
                Description = DataForm.Value(submitted, RoomDesc) ?? c.Description,
                Persistent = Bool(Persistent) ?? c.Persistent,
                Public = Bool(Public) ?? c.Public,
                MembersOnly = Bool(MembersOnly) ?? c.MembersOnly,
                Moderated = Bool(Moderated) ?? c.Moderated,
                ChangeSubject = Bool(ChangeSubject) ?? c.ChangeSubject,
                AllowInvites = Bool(AllowInvites) ?? c.AllowInvites,
                MaxUsers = Int(MaxUsers, 1, options.MaxOccupantsPerRoom) ?? c.MaxUsers,
                HistoryLength = Math.Min(Int(HistoryLength, 0, int.MaxValue) ?? c.HistoryLength, options.MaxHistoryMessages),
                Archive = Bool(Mam) ?? Bool(EnableArchiving) ?? c.Archive,
                WhoIs = DataForm.Value(submitted, WhoIsField) switch
                {
                    null => c.WhoIs,
                    "anyone" => WhoIs.Anyone,
                    "moderators" => WhoIs.Moderators,
                    _ => throw new FormatException($"{WhoIsField} is moderators or anyone"),
                },
            };
            // The password: muc#roomconfig_passwordprotectedroom switches it, muc#roomconfig_roomsecret is it
            // (a secret alone, as Prosody's form sends it, protects the room too).
            var secret = DataForm.Value(submitted, Secret);
            var protect = Bool(PasswordProtected) ?? (secret is null ? c.Password is not null : secret.Length > 0);
            var password = secret ?? c.Password;
            if (protect && string.IsNullOrEmpty(password)) throw new FormatException("a password-protected room needs a password");
            return c with { Password = protect ? password : null };
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }
}
