using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Xmpp.Common.Telemetry;

/// <summary>What one process registered: its names and the resolved telemetry settings.</summary>
public sealed record TelemetrySetup(string ServiceName, string SourceName, string InstanceId, TelemetryOptions Options, bool TracingEnabled)
{
    public bool MetricsEndpoint => Options.MetricsPort >= 0;

    /// <summary>The metrics endpoint's listen options; once the server started, its bound port.</summary>
    internal ListenOptions? MetricsListen { get; set; }

    /// <summary>The port /metrics and /health are served on (the chosen one when configured as 0); 0 before start or when off.</summary>
    public int MetricsPort => (MetricsListen?.EndPoint as IPEndPoint)?.Port ?? 0;
}

/// <summary>
/// The OpenTelemetry, logging and health setup shared by router, sm and c2s: one
/// <see cref="AddXmppTelemetry"/> call on the builder and one <see cref="MapXmppTelemetry"/> on the app.
/// <list type="bullet">
/// <item>Traces: the process's ActivitySource; OTLP when OTEL_EXPORTER_OTLP_ENDPOINT (or
///   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, protocol from OTEL_EXPORTER_OTLP_PROTOCOL (grpc or
///   http/protobuf); console when Telemetry:Console=true; sampling from OTEL_TRACES_SAMPLER /
///   OTEL_TRACES_SAMPLER_ARG, which the OpenTelemetry SDK (1.8+) reads itself (no sampler is set here,
///   so the default is parentbased_always_on). OTEL_TRACES_EXPORTER=none turns OTLP traces off.</item>
/// <item>Metrics: the process's Meter and .NET's System.Runtime meter (GC heap, committed memory,
///   collections, thread pool); OTLP likewise (OTEL_METRICS_EXPORTER=none turns it off, e.g.
///   for a traces-only collector such as Jaeger), console, and a Prometheus scrape endpoint.</item>
/// <item>Logs: trace and span id on every console line (<see cref="XmppConsoleFormatter"/>), and in
///   the scopes of structured formatters (ActivityTrackingOptions).</item>
/// <item>An HTTP/1.1 endpoint on Telemetry:ListenAddress:Telemetry:MetricsPort serving /metrics,
///   /health/live (the process runs) and /health/ready (checks tagged "ready", e.g. the router link).
///   Port 0 (default) picks a free port, logged at start; a negative port turns the endpoint off.</item>
/// </list>
/// </summary>
public static class XmppTelemetry
{
    /// <summary>Health checks with this tag decide /health/ready (and the gRPC health status).</summary>
    public const string ReadyTag = "ready";

    public static TelemetrySetup AddXmppTelemetry(this WebApplicationBuilder builder, string serviceName, string sourceName, string instanceId)
    {
        var config = builder.Configuration;
        var options = config.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();

        // Logs: trace ids on every line.
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        builder.Logging.AddConsoleFormatter<XmppConsoleFormatter, XmppConsoleFormatterOptions>();
        if (string.IsNullOrEmpty(config["Logging:Console:FormatterName"]))
            builder.Logging.AddConsole(o => o.FormatterName = XmppConsoleFormatter.FormatterName);

        // Traces and metrics.
        var otlpTraces = OtlpWanted(config, "TRACES");
        var otlpMetrics = OtlpWanted(config, "METRICS");
        var tracing = options.Tracing ?? (otlpTraces || options.Console);
        var otel = builder.Services.AddOpenTelemetry().ConfigureResource(resource =>
        {
            if (string.IsNullOrEmpty(config["OTEL_SERVICE_NAME"]))
                resource.AddService(serviceName, serviceInstanceId: instanceId, autoGenerateServiceInstanceId: false);
            else
                resource.AddAttributes([new("service.instance.id", instanceId)]);
        });
        if (tracing)
        {
            otel.WithTracing(t =>
            {
                t.AddSource(sourceName);
                if (otlpTraces) t.AddOtlpExporter();
                if (options.Console) t.AddConsoleExporter();
            });
        }
        if (otlpMetrics || options.Console || options.MetricsPort >= 0)
        {
            otel.WithMetrics(m =>
            {
                m.AddMeter(sourceName);
                // .NET's own runtime meter: GC heap and committed sizes, collections, pauses, working
                // set, thread pool; what the idle-memory benchmark's per-process split is read from.
                m.AddMeter("System.Runtime");
                if (otlpMetrics) m.AddOtlpExporter();
                if (options.Console) m.AddConsoleExporter();
                if (options.MetricsPort >= 0) m.AddPrometheusExporter();
            });
        }

        // Health and the metrics endpoint.
        builder.Services.AddHealthChecks();
        var setup = new TelemetrySetup(serviceName, sourceName, instanceId, options, tracing);
        if (options.MetricsPort >= 0)
        {
            var address = ParseAddress(options.ListenAddress);
            var port = options.MetricsPort;
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                setup.MetricsListen = listen;
            }));
        }

        builder.Services.AddSingleton(setup);
        return setup;
    }

    /// <summary>
    /// Maps /metrics, /health/live and /health/ready (unless the endpoint is off) and logs, once
    /// started, every address the process listens on. The metrics endpoint is the process's only
    /// HTTP/1.1 endpoint (gRPC ports are HTTP/2 only, client ports speak XMPP), so the paths need
    /// no port restriction.
    /// </summary>
    public static void MapXmppTelemetry(this WebApplication app)
    {
        var setup = app.Services.GetRequiredService<TelemetrySetup>();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Xmpp.Telemetry")
                .LogInformation("Endpoints: {Addresses}; metrics and health: {Metrics}", string.Join(", ", addresses),
                    setup.MetricsEndpoint ? $"http://{setup.Options.ListenAddress}:{setup.MetricsPort}/metrics, /health/live, /health/ready" : "off");
        });
        if (!setup.MetricsEndpoint) return;
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag) });
    }


    /// <summary>A readiness check that is healthy while <paramref name="isUp"/> says the router link is up.</summary>
    public static IHealthChecksBuilder AddRouterLinkCheck(this IHealthChecksBuilder checks, Func<IServiceProvider, bool> isUp) =>
        checks.Add(new HealthCheckRegistration("router-link",
            sp => new DelegateHealthCheck(() => isUp(sp), "linked to the router", "the router link is down"),
            HealthStatus.Unhealthy, [ReadyTag]));

    /// <summary>Whether OTLP export of a signal ("TRACES", "METRICS") is configured by the standard variables.</summary>
    public static bool OtlpWanted(IConfiguration config, string signal)
    {
        var exporters = config[$"OTEL_{signal}_EXPORTER"];
        if (!string.IsNullOrWhiteSpace(exporters) &&
            !exporters.Split(',', StringSplitOptions.TrimEntries).Contains("otlp", StringComparer.OrdinalIgnoreCase))
            return false;
        return !string.IsNullOrWhiteSpace(config["OTEL_EXPORTER_OTLP_ENDPOINT"]) ||
               !string.IsNullOrWhiteSpace(config[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]);
    }

    public static IPAddress ParseAddress(string address) => address switch
    {
        "*" or "" => IPAddress.Any,
        "localhost" => IPAddress.Loopback,
        _ => IPAddress.Parse(address),
    };

    private sealed class DelegateHealthCheck(Func<bool> check, string healthy, string unhealthy) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(check() ? HealthCheckResult.Healthy(healthy) : new HealthCheckResult(context.Registration.FailureStatus, unhealthy));
    }
}
