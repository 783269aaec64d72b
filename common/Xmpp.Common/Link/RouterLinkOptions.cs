namespace Xmpp.Common.Link;

/// <summary>How a component reaches the router. Bound from the "Router" configuration section.</summary>
public sealed class RouterLinkOptions
{
    /// <summary>The router's gRPC endpoint (h2c), e.g. http://127.0.0.1:5347.</summary>
    public string Address { get; set; } = "http://127.0.0.1:5347";

    /// <summary>First reconnect delay; doubles (with jitter) up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a request (auth, start, create, ...) waits for its answer.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Bytes (stanzas plus a fixed overhead per frame) queued for the router while the link is
    /// busy; beyond it, sends fail (logged; the caller counts the frame and answers for it).
    /// </summary>
    public long MaxSendQueueBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Frames waiting to go out are sent together in one batch up to about this many bytes.</summary>
    public int MaxBatchBytes { get; set; } = FrameBatching.DefaultMaxBatchBytes;
}
