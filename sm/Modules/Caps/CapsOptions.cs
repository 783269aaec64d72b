namespace Xmpp.Sm.Modules.Caps;

/// <summary>Settings of XEP-0115 caps tracking, section "Sm:Caps" (env <c>Sm__Caps__Key</c>).</summary>
public sealed class CapsOptions
{
    public const string Section = "Caps";

    /// <summary>Verified verification strings kept (ver -> features); the least recently used goes first.</summary>
    public int CacheSize { get; set; } = 1000;

    /// <summary>How long sm waits for a resource's disco#info answer before giving up on it (the resource then gets no +notify events).</summary>
    public int QueryTimeoutSeconds { get; set; } = 30;

    /// <summary>disco#info queries sm has out at once; a resource beyond it gets no query (log line and counter) until a later presence.</summary>
    public int MaxPendingQueries { get; set; } = 1000;
}
