namespace Xmpp.Muc.Protocol;

/// <summary>Who sees occupants' real JIDs (muc#roomconfig_whois).</summary>
public enum WhoIs { Moderators, Anyone }

/// <summary>A room's configuration (the muc#roomconfig form's fields); stored as JSON for persistent rooms.</summary>
public sealed record RoomConfig
{
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public bool Persistent { get; init; }
    public bool Public { get; init; } = true;
    public bool MembersOnly { get; init; }
    /// <summary>The room's password; null when the room is not password-protected.</summary>
    public string? Password { get; init; }
    public bool Moderated { get; init; }
    public WhoIs WhoIs { get; init; } = WhoIs.Moderators;
    public bool ChangeSubject { get; init; }
    public bool AllowInvites { get; init; }
    public int MaxUsers { get; init; } = 200;
    public int HistoryLength { get; init; } = 20;
    public bool Archive { get; init; } = true;

    public static RoomConfig Defaults(MucOptions options) => new()
    {
        Persistent = options.DefaultPersistent,
        Public = options.DefaultPublic,
        MaxUsers = Math.Min(options.DefaultMaxUsers, options.MaxOccupantsPerRoom),
        HistoryLength = Math.Min(options.DefaultHistoryLength, options.MaxHistoryMessages),
        Archive = options.DefaultArchive,
    };
}
