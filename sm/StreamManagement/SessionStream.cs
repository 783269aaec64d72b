namespace Xmpp.Sm.StreamManagement;

/// <summary>
/// A session's stream-management state (XEP-0198), kept in sm so that it outlives the client's
/// connection and its c2s: the unacknowledged outbound stanzas, the count of the client's stanzas
/// sm took, the resumption id, and whether the session is detached (no connection) and since when.
/// </summary>
/// <param name="inbound">The count to start from (0 at enable; tests start near the wrap).</param>
public sealed class SessionStream(string? resumeId, TimeSpan timeout, UnackedQueue? queue = null, uint inbound = 0)
{
    /// <summary>Stanzas for the client not acknowledged yet.</summary>
    public UnackedQueue Outbound { get; } = queue ?? new UnackedQueue();

    /// <summary>h for the client's &lt;r/&gt;: the number of the client's last stanza sm took (modulo 2^32).</summary>
    public uint Inbound { get; private set; } = inbound;

    /// <summary>The previd a client resumes with; null when the client did not ask for resumption.</summary>
    public string? ResumeId => resumeId;

    public bool Resumable => resumeId is not null;

    /// <summary>How long a detached session waits for its client to resume.</summary>
    public TimeSpan Timeout => timeout;

    /// <summary>When the connection went away; null while attached.</summary>
    public DateTimeOffset? DetachedAt { get; set; }

    public bool Detached => DetachedAt is not null;

    /// <summary>The unacknowledged bytes passed the bound: the session is to be ended.</summary>
    public bool Overflowed { get; set; }

    /// <summary>The count (<see cref="Inbound"/>) sm last asked c2s to resend after, and when (a gap is asked for once a second at most).</summary>
    public uint? ResendAskedAfter { get; private set; }

    private DateTimeOffset _resendAskedAt;

    /// <summary>A gap in the client's stanzas: true when c2s should be asked (again) to send what follows <see cref="Inbound"/>.</summary>
    public bool ShouldAskResend(DateTimeOffset now, TimeSpan again)
    {
        if (ResendAskedAfter == Inbound && now - _resendAskedAt < again) return false;
        ResendAskedAfter = Inbound;
        _resendAskedAt = now;
        return true;
    }

    public enum Take { Next, Duplicate, Gap }

    /// <summary>
    /// The client's stanza number <paramref name="seq"/> arrived: the next one is taken (counted);
    /// one already taken is a duplicate; one further on means stanzas in between were lost.
    /// </summary>
    public Take TakeInbound(uint seq)
    {
        var expected = unchecked(Inbound + 1);
        if (seq == expected)
        {
            Inbound = seq;
            return Take.Next;
        }
        return unchecked((int)(seq - Inbound)) <= 0 ? Take.Duplicate : Take.Gap;
    }
}
