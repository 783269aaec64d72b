namespace Xmpp.Common.Telemetry;

/// <summary>
/// Telemetry settings of a server process, bound from the "Telemetry" configuration section.
/// Exporters themselves follow the standard OpenTelemetry environment variables
/// (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_TRACES_SAMPLER, OTEL_BSP_SCHEDULE_DELAY, ...).
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Also write spans and metrics to the console (OpenTelemetry console exporter).</summary>
    public bool Console { get; set; }

    /// <summary>
    /// Record spans even without an exporter (their ids then still appear in frames, logs and
    /// `xmppctl trace`). Unset: spans are recorded when an exporter (OTLP or console) is configured.
    /// </summary>
    public bool? Tracing { get; set; }

    /// <summary>Address of the HTTP/1.1 endpoint that serves /metrics (Prometheus) and /health/live, /health/ready.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Port of that endpoint. 0 (the default): a free port, chosen at start and logged
    /// ("Endpoints: ..."), so that any number of processes run side by side on one machine;
    /// a deployment sets a fixed one (docker-compose.yml: 9464). Negative: no endpoint.
    /// </summary>
    public int MetricsPort { get; set; }

    /// <summary>sm only: port of its gRPC (h2c) endpoint serving the grpc.health.v1 health checking protocol; 0 and negative as for <see cref="MetricsPort"/>.</summary>
    public int GrpcHealthPort { get; set; }
}
