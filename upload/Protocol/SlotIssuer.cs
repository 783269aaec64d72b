using System.Buffers.Text;
using System.Security.Cryptography;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Upload.Storage;

namespace Xmpp.Upload.Protocol;

/// <summary>
/// Gives upload slots: checks who asks (an account of the server), how often (<see cref="RequestRate"/>),
/// the request itself, the size limit and the account's quota (stored files plus open slots), then
/// records a slot with a random id (24 bytes from <see cref="RandomNumberGenerator"/>, base64url),
/// which is the only secret the PUT and GET URLs carry. Not thread-safe (one stanza at a time).
/// </summary>
public sealed class SlotIssuer(UploadOptions options, string serverDomain, UploadIndex index, TimeProvider time)
{
    private readonly RequestRate _rate = new(options.SlotRequestBurst, options.SlotRequestsPerMinute, time);

    /// <summary>A slot for <paramref name="requester"/>, or why not.</summary>
    public (Slot? Slot, SlotRefusal? Refusal) Issue(Jid requester, XElement request)
    {
        if (requester.Local is null || !string.Equals(requester.Domain, serverDomain, StringComparison.Ordinal))
            return (null, SlotRefusal.Forbidden($"Only accounts of {serverDomain} may upload files"));
        var owner = requester.Bare.ToString();
        if (!_rate.TryTake(owner, out var next)) return (null, SlotRefusal.Rate(next));
        if (SlotRequest.Parse(request, options.MaxFileNameBytes, out var problem) is not { } wanted)
            return (null, SlotRefusal.BadRequest(problem!));
        if (wanted.Size > options.MaxFileSize) return (null, SlotRefusal.FileTooLarge(options.MaxFileSize));
        var now = time.GetUtcNow();
        if (options.QuotaBytesPerUser > 0)
        {
            var (used, firstRelease) = index.Usage(owner, now);
            if (used + wanted.Size > options.QuotaBytesPerUser) return (null, SlotRefusal.Quota(used, options.QuotaBytesPerUser, firstRelease));
        }
        var slot = new Slot(NewId(), owner, wanted.FileName, wanted.Size, wanted.ContentType, now, now + options.SlotLifetime);
        index.Add(slot);
        return (slot, null);
    }

    public static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
}
