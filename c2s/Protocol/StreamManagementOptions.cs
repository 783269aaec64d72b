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

    /// <summary>
    /// Bytes of a session's client stanzas c2s keeps until sm confirms it took them, to send them
    /// again when frames were lost on the router link (a router restart). Beyond it the oldest are
    /// forgotten (logged, counted) and a loss among them closes the stream for a resumption.
    /// </summary>
    public long MaxUnconfirmedBytes { get; set; } = 1024 * 1024;

    /// <summary>c2s asks sm which of the client's stanzas it took (SM_REQUEST "c2s:") after this many unconfirmed ones.</summary>
    public int ConfirmEvery { get; set; } = 32;

    /// <summary>How long a &lt;resume/&gt; waits for sm's answer before the client gets &lt;failed/&gt;.</summary>
    public TimeSpan ResumeTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
