using Xmpp.C2s.Telemetry;
using Xmpp.Common.Xml;

namespace Xmpp.C2s.Connections;

/// <summary>
/// A stopping c2s hands its clients on (issue 20). A client with a resumable XEP-0198 session gets
/// &lt;system-shutdown/&gt;: its session is detached on sm and it resumes it on another c2s. Any
/// other client gets &lt;see-other-host/&gt; with C2s:Shutdown:SeeOtherHost when that is set (RFC
/// 6120 §4.9.3.19: it reconnects there at once), else &lt;system-shutdown/&gt; (it logs in again
/// through the load balancer). Either way its session ends.
/// </summary>
public sealed partial class ClientConnection
{
    /// <summary>Closes the stream for a c2s shutdown; the condition sent ("system-shutdown" or "see-other-host").</summary>
    public string CloseForShutdown(string? seeOtherHost)
    {
        bool resumable;
        lock (_smLock) resumable = _smEnabled && _smResumable;
        var condition = resumable || seeOtherHost is null ? StreamErrors.SystemShutdown : StreamErrors.SeeOtherHost;
        C2sTelemetry.ShutdownClose(condition, resumable);
        if (condition == StreamErrors.SeeOtherHost) CloseWithRenderedError(condition, StreamErrors.RenderSeeOtherHost(seeOtherHost!));
        else CloseWithStreamError(condition);
        return condition;
    }
}
