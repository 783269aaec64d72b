namespace Xmpp.Common.Link;

/// <summary>How a component reaches the router. Bound from the "Router" configuration section.</summary>
public sealed class RouterLinkOptions
{
    /// <summary>The router's gRPC endpoint (HTTP/2 over TLS), e.g. https://127.0.0.1:5347.</summary>
    public string Address { get; set; } = "https://127.0.0.1:5347";

    /// <summary>The deployment CA's certificate (PEM): the router's certificate must chain to it.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>This component's client certificate (PEM), issued by the deployment CA; it names the component's role and address.</summary>
    public string? Certificate { get; set; }

    /// <summary>The private key of <see cref="Certificate"/> (PEM); default: the certificate's path with the extension .key.</summary>
    public string? CertificateKey { get; set; }

    /// <summary>The reconnect delay (with jitter) of the first <see cref="RetryFastAttempts"/> retries of an outage; then it doubles up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Retries of an outage at <see cref="RetryBaseDelay"/> before backing off: a router restart (1-2 s) is re-linked within about one delay of being ready.</summary>
    public int RetryFastAttempts { get; set; } = 25;

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one attempt may take to connect to the router (TCP and the TLS handshake). A
    /// refused connection fails at once whatever this is; on a starved machine a handshake cut off
    /// early is only started again from scratch.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A link that stayed up this long was healthy: when it drops, the back-off starts over (the first retry is immediate).</summary>
    public TimeSpan RetryResetAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Bytes of frames that may wait while the link is down (for the router to come back); beyond
    /// it, sends fail (the sender answers for the frame: a message to offline storage, an error to the client).
    /// </summary>
    public long OfflineQueueBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>How long a frame may wait for the router; then it goes back to its sender as failed.</summary>
    public TimeSpan OfflineQueueTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The request circuit breaker opens when at least this share of requests failed (link down, timeouts) within <see cref="BreakerSamplingDuration"/>...</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>...and at least this many requests were made in it.</summary>
    public int BreakerMinimumThroughput { get; set; } = 10;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the open circuit fails requests at once before it lets one through to try.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a request (auth, start, create, ...) waits for its answer.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Bytes (stanzas plus a fixed overhead per frame) queued for the router while the link is
    /// busy; beyond it, sends fail (logged; the caller counts the frame and answers for it).
    /// </summary>
    public long MaxSendQueueBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Frames waiting to go out are sent together in one batch up to about this many bytes.</summary>
    public int MaxBatchBytes { get; set; } = FrameBatching.DefaultMaxBatchBytes;

    /// <summary>Throws with a message naming what is missing when the link cannot be authenticated (secure by default: no TLS, no link).</summary>
    public void ThrowIfIncomplete()
    {
        var missing = new List<string>();
        if (string.IsNullOrEmpty(CaCertificate)) missing.Add("Router:CaCertificate");
        if (string.IsNullOrEmpty(Certificate)) missing.Add("Router:Certificate");
        if (missing.Count > 0)
            throw new InvalidOperationException(
                $"the router link needs {string.Join(" and ", missing)} (PEM files from `xmppctl pki init`; tools/run-local.sh and docker-compose create them): " +
                "every link to the router is TLS with a client certificate from the deployment CA");
        if (!Address.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Router:Address must be an https:// URL (the router only speaks TLS), got '{Address}'");
    }
}
