namespace Xmpp.Sm.Modules.VCard;

/// <summary>XEP-0054 settings, bound from "Sm:VCard".</summary>
public sealed class VCardOptions
{
    /// <summary>The largest vCard (serialized bytes, a PHOTO included) an account may store; a larger set gets &lt;not-acceptable/&gt;.</summary>
    public int MaxBytes { get; set; } = 64 * 1024;
}
