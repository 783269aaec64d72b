namespace Xmpp.Upload.Protocol;

/// <summary>
/// The URLs a slot hands out: &lt;public url&gt;/upload/&lt;slot id&gt;/&lt;file name, percent-encoded&gt;,
/// the same for PUT and GET (as Prosody's): the slot id authorises the single PUT and makes the
/// download URL unguessable.
/// </summary>
public sealed class SlotUrls
{
    public const string PathPrefix = "/upload/";
    private string? _base;

    /// <summary>The start of every URL (scheme, host, port), without a trailing slash; set once the HTTPS endpoint listens.</summary>
    public string Base
    {
        get => _base ?? throw new InvalidOperationException("the upload endpoint's public URL is not known yet");
        set => _base = value.TrimEnd('/');
    }

    public string For(string slotId, string fileName) => $"{Base}{PathPrefix}{slotId}/{Uri.EscapeDataString(fileName)}";
}
