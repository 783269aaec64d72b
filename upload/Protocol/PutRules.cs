using Microsoft.AspNetCore.Http;
using Xmpp.Upload.Storage;

namespace Xmpp.Upload.Protocol;

/// <summary>An HTTP refusal: the status, the reason it is counted under, and a short text for the body.</summary>
public sealed record HttpRefusal(int Status, string Reason, string Text);

/// <summary>
/// Whether a PUT may fill a slot (XEP-0363 §4: the slot is for one file of the announced size and
/// content type, once, while the slot lasts), decided before a byte of the body is read.
/// </summary>
public static class PutRules
{
    /// <summary>Null when the PUT may go ahead.</summary>
    public static HttpRefusal? Check(Slot? slot, string fileName, DateTimeOffset now, long? contentLength, string? contentType)
    {
        if (slot is null || slot.FileName != fileName) return new(StatusCodes.Status404NotFound, "unknown-slot", "No such upload slot");
        if (slot.IsComplete) return new(StatusCodes.Status409Conflict, "used", "This slot was used already");
        if (now >= slot.SlotExpiresAt) return new(StatusCodes.Status410Gone, "expired", "This slot expired; request a new one");
        if (contentLength is not { } length) return new(StatusCodes.Status411LengthRequired, "no-length", "Content-Length is required");
        if (length != slot.Size)
            return new(length > slot.Size ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest, "length-mismatch",
                $"Content-Length must be the size given in the slot request ({slot.Size})");
        if (contentType is { Length: > 0 } type && !string.Equals(type.Trim(), slot.ContentType, StringComparison.OrdinalIgnoreCase))
            return new(StatusCodes.Status400BadRequest, "type-mismatch", "Content-Type must be the content-type given in the slot request");
        return null;
    }
}
