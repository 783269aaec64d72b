namespace Xmpp.C2s.Protocol;

/// <summary>XEP-0352 client state indication settings, bound from "C2s:Csi".</summary>
public sealed class CsiOptions
{
    /// <summary>Offer CSI in the stream features (urn:xmpp:csi:0).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Bytes of presence held for one inactive client; the stanza that would pass it flushes
    /// everything held (in order) instead, so memory stays bounded and nothing is lost.
    /// </summary>
    public int MaxHeldBytes { get; set; } = 64 * 1024;
}
