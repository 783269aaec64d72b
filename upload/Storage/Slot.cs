namespace Xmpp.Upload.Storage;

/// <summary>
/// One upload slot: given to <see cref="Owner"/> for a file of exactly <see cref="Size"/> bytes; its
/// PUT URL works once, until <see cref="SlotExpiresAt"/>; once uploaded (<see cref="CompletedAt"/>)
/// the file is served until <see cref="FileExpiresAt"/>.
/// </summary>
public sealed record Slot(
    string Id,
    string Owner,
    string FileName,
    long Size,
    string ContentType,
    DateTimeOffset CreatedAt,
    DateTimeOffset SlotExpiresAt,
    DateTimeOffset? CompletedAt = null,
    DateTimeOffset? FileExpiresAt = null)
{
    public bool IsComplete => CompletedAt is not null;

    /// <summary>Enough of a slot id to follow it in the logs without handing out its URL.</summary>
    public static string ShortId(string id) => id.Length > 6 ? id[..6] : id;
}
