using System.IO.Compression;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xmpp.Integration.Tests.Observability.Otlp;

namespace Xmpp.Integration.Tests.Observability;

/// <summary>One span as exported, with the resource (process) that exported it.</summary>
public sealed record ReceivedSpan(
    string TraceId, string SpanId, string ParentSpanId, string Name, string Scope,
    IReadOnlyDictionary<string, object?> Attributes, IReadOnlyDictionary<string, object?> Resource, int StatusCode, DateTime Start)
{
    public string Service => Resource.GetValueOrDefault("service.name") as string ?? "";
    public string Instance => Resource.GetValueOrDefault("service.instance.id") as string ?? "";
    public object? this[string attribute] => Attributes.GetValueOrDefault(attribute);
    public override string ToString() =>
        $"{Name} [{Instance}] trace={TraceId} span={SpanId} parent={(ParentSpanId.Length > 0 ? ParentSpanId : "-")} " +
        string.Join(" ", Attributes.Select(a => $"{a.Key}={a.Value}"));
}

/// <summary>
/// A minimal OTLP/HTTP receiver (protobuf encoding) on a free loopback port, for processes
/// started with OTEL_EXPORTER_OTLP_ENDPOINT=<see cref="Endpoint"/> and
/// OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf. It keeps every request body as received (for
/// "this text was never exported" checks) and decodes the spans of /v1/traces.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<(string Signal, byte[] Body)> _posts = [];
    private readonly List<ReceivedSpan> _spans = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OtlpReceiver(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>The environment that points a process's OTLP exporters here, with short export delays.</summary>
    public IReadOnlyDictionary<string, string> ExporterEnvironment => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
    };

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        OtlpReceiver? receiver = null;
        app.MapPost("/v1/{signal}", async (HttpContext http, string signal) =>
        {
            using var body = new MemoryStream();
            var input = http.Request.Headers.ContentEncoding == "gzip" ? new GZipStream(http.Request.Body, CompressionMode.Decompress) : http.Request.Body;
            await input.CopyToAsync(body);
            receiver!.Add(signal, body.ToArray());
            http.Response.ContentType = "application/x-protobuf";
            return Results.Bytes([], "application/x-protobuf"); // an empty Export*ServiceResponse
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver = new OtlpReceiver(app, new Uri(address).Port);
        return receiver;
    }

    private void Add(string signal, byte[] body)
    {
        List<ReceivedSpan> spans = [];
        if (signal == "traces")
        {
            var request = ExportTraceServiceRequest.Parser.ParseFrom(body);
            foreach (var rs in request.ResourceSpans)
            {
                var resource = Attributes(rs.Resource?.Attributes);
                foreach (var ss in rs.ScopeSpans)
                    foreach (var span in ss.Spans)
                        spans.Add(new ReceivedSpan(Hex(span.TraceId), Hex(span.SpanId), Hex(span.ParentSpanId), span.Name, ss.Scope?.Name ?? "",
                            Attributes(span.Attributes), resource, span.Status?.Code ?? 0,
                            DateTime.UnixEpoch.AddTicks((long)(span.StartTimeUnixNano / 100))));
            }
        }
        TaskCompletionSource changed;
        lock (_posts)
        {
            _posts.Add((signal, body));
            _spans.AddRange(spans);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public IReadOnlyList<ReceivedSpan> Spans { get { lock (_posts) return _spans.ToArray(); } }

    /// <summary>How many export requests arrived for a signal ("traces", "metrics", "logs").</summary>
    public int Requests(string signal) { lock (_posts) return _posts.Count(p => p.Signal == signal); }

    /// <summary>Every exported byte so far, all signals, as received.</summary>
    public IReadOnlyList<byte[]> Bodies { get { lock (_posts) return _posts.Select(p => p.Body).ToArray(); } }

    /// <summary>Waits (bounded) until <paramref name="probe"/> finds what it looks for in the exports so far.</summary>
    public async Task<T> WaitForAsync<T>(Func<OtlpReceiver, T?> probe, TimeSpan timeout, string what) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_posts) changed = _changed.Task;
            if (probe(this) is { } found) return found;
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
                throw new TimeoutException($"no {what} exported within {timeout.TotalSeconds:0} s; spans so far:\n{string.Join("\n", Spans.TakeLast(40))}");
            try { await changed.WaitAsync(remaining); }
            catch (TimeoutException) { }
        }
    }

    private static string Hex(ByteString bytes) => bytes.IsEmpty ? "" : Convert.ToHexStringLower(bytes.Span);

    private static Dictionary<string, object?> Attributes(IEnumerable<KeyValue>? attributes)
    {
        var result = new Dictionary<string, object?>();
        if (attributes is null) return result;
        foreach (var kv in attributes)
            result[kv.Key] = kv.Value?.ValueCase switch
            {
                AnyValue.ValueOneofCase.StringValue => kv.Value.StringValue,
                AnyValue.ValueOneofCase.BoolValue => kv.Value.BoolValue,
                AnyValue.ValueOneofCase.IntValue => kv.Value.IntValue,
                AnyValue.ValueOneofCase.DoubleValue => kv.Value.DoubleValue,
                _ => null,
            };
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
