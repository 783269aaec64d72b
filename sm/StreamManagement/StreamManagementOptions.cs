namespace Xmpp.Sm.StreamManagement;

/// <summary>XEP-0198 stream management settings, bound from "Sm:StreamManagement".</summary>
public sealed class StreamManagementOptions
{
    /// <summary>How long a detached resumable session waits for its client to resume, when the client names no max (Prosody's default).</summary>
    public TimeSpan ResumeTimeout { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>The longest resumption timeout sm grants, whatever max the client asks for.</summary>
    public TimeSpan MaxResumeTimeout { get; set; } = TimeSpan.FromSeconds(600);

    /// <summary>
    /// Bytes of stanzas kept per session that its client has not acknowledged (or that wait for a
    /// detached session); beyond it the session is ended and what it holds is handled as undelivered
    /// (messages to offline storage).
    /// </summary>
    public long MaxUnackedBytes { get; set; } = 4 * 1024 * 1024;
}
