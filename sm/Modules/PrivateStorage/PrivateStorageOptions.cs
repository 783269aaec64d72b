namespace Xmpp.Sm.Modules.PrivateStorage;

/// <summary>XEP-0049 settings, bound from "Sm:PrivateStorage".</summary>
public sealed class PrivateStorageOptions
{
    /// <summary>Bytes of private XML one account may keep (all its fragments together); a set beyond it gets &lt;not-acceptable/&gt;.</summary>
    public int MaxBytesPerAccount { get; set; } = 256 * 1024;
}
