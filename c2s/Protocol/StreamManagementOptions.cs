namespace Xmpp.C2s.Protocol;

/// <summary>XEP-0198 stream management settings of c2s, bound from "C2s:StreamManagement" (the state itself is in sm: Sm:StreamManagement).</summary>
public sealed class StreamManagementOptions
{
    /// <summary>Offer &lt;sm xmlns='urn:xmpp:sm:3'/&gt; after authentication and accept &lt;enable/&gt; and &lt;resume/&gt;.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>c2s asks the client for an acknowledgement (&lt;r/&gt;) after this many stanzas ...</summary>
    public int AckRequestEvery { get; set; } = 10;

    /// <summary>... or this long after the first stanza not covered by a request, whichever comes first.</summary>
    public TimeSpan AckRequestDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a &lt;resume/&gt; waits for sm's answer before the client gets &lt;failed/&gt;.</summary>
    public TimeSpan ResumeTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
