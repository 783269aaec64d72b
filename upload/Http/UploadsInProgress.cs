using System.Collections.Concurrent;

namespace Xmpp.Upload.Http;

/// <summary>The slots a PUT is writing now: a second PUT to one of them is refused, and expiry leaves them alone until it ends.</summary>
public sealed class UploadsInProgress
{
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);

    public bool TryBegin(string slotId) => _ids.TryAdd(slotId, 0);

    public void End(string slotId) => _ids.TryRemove(slotId, out _);

    public bool Contains(string slotId) => _ids.ContainsKey(slotId);
}
