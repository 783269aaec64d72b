namespace Xmpp.Sm.Modules.Blocking;

/// <summary>XEP-0191 settings, bound from "Sm:Blocking".</summary>
public sealed class BlockingOptions
{
    /// <summary>JIDs one account may block; a block that would pass it gets &lt;not-allowed/&gt; (type cancel, with a text).</summary>
    public int MaxItems { get; set; } = 1000;
}
