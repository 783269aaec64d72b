namespace Xmpp.C2s;

/// <summary>What a stopping c2s (SIGTERM) does with its clients, bound from "C2s:Shutdown".</summary>
public sealed class ShutdownOptions
{
    /// <summary>
    /// Where clients without a resumable XEP-0198 session reconnect: sent as
    /// &lt;see-other-host&gt;value&lt;/see-other-host&gt; (RFC 6120 §4.9.3.19): a host name or IP address
    /// (IPv6 in brackets), optionally with :port, e.g. another c2s or the load balancer's other
    /// address. Unset (the default): they get &lt;system-shutdown/&gt; and log in again through the
    /// load balancer. Clients with a resumable session always get &lt;system-shutdown/&gt;: their
    /// session waits, detached, and they resume it on another c2s.
    /// </summary>
    public string? SeeOtherHost { get; set; }

    /// <summary>Throws when <see cref="SeeOtherHost"/> is set but is no host[:port].</summary>
    public void Validate()
    {
        if (SeeOtherHost is null) return;
        var value = SeeOtherHost;
        if (value.Length == 0 || value.Length > 1023 || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or '&' or '\'' or '"' or '/'))
            throw new InvalidOperationException($"C2s:Shutdown:SeeOtherHost must be a host name or IP address with an optional :port (IPv6 in brackets), got '{value}'");
    }
}
