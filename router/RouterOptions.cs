namespace Xmpp.Router;

/// <summary>The router's settings, bound from the "Router" configuration section.</summary>
public sealed class RouterOptions
{
    /// <summary>Address the gRPC listener (HTTP/2 over TLS, client certificates required) binds; 0.0.0.0 in a container.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    public int ListenPort { get; set; } = 5347;

    /// <summary>
    /// Bytes queued towards one component (stanzas plus a fixed overhead per frame) beyond which
    /// a frame for it is returned to its sender with ROUTE_CONGESTED instead of queued: a
    /// component that stops reading holds at most this much of the router's memory and slows
    /// nobody else.
    /// </summary>
    public long MaxQueueBytesPerComponent { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest gRPC message (a batch of frames) accepted from or sent to a component, in bytes.</summary>
    public int MaxFrameBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Frames waiting for one component go out together in one batch up to about this many bytes.</summary>
    public int MaxBatchBytes { get; set; } = Xmpp.Common.Link.FrameBatching.DefaultMaxBatchBytes;

    /// <summary>
    /// On a graceful stop (SIGTERM), how long the router waits for components to stop sending and
    /// for its queues to be written out before it cuts the links that remain.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The host's shutdown timeout: the most a graceful stop takes in all (keep it above <see cref="DrainTimeout"/>).</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The router's server certificate (PEM), issued by the deployment CA (`xmppctl pki init`: router.crt).</summary>
    public string? ServerCertificate { get; set; }

    /// <summary>Its private key (PEM); default: the certificate's path with the extension .key.</summary>
    public string? ServerCertificateKey { get; set; }

    /// <summary>The deployment CA's certificate (PEM): every component's client certificate must chain to it.</summary>
    public string? CaCertificate { get; set; }
}
