using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Xmpp.Common.Telemetry;

namespace Xmpp.Integration.Tests.Observability;

/// <summary>
/// Issue #5, sampling: the shared telemetry setup leaves the sampler to the OpenTelemetry SDK,
/// which reads the standard OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG settings. In process,
/// with a source of the test's own.
/// </summary>
public sealed class SamplingTests
{
    [Theory]
    [InlineData(null, null, true)]                          // default: parentbased_always_on
    [InlineData("always_off", null, false)]
    [InlineData("traceidratio", "0", false)]
    [InlineData("traceidratio", "1", true)]
    [InlineData("parentbased_traceidratio", "0", false)]
    public async Task OTEL_TRACES_SAMPLER_decides_which_spans_are_recorded(string? sampler, string? argument, bool recorded)
    {
        var source = $"Xmpp.SamplingTest.{Guid.NewGuid():N}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["Telemetry:Tracing"] = "true"; // record without an exporter
        builder.Configuration["Telemetry:MetricsPort"] = "-1"; // no endpoint
        if (sampler is not null) builder.Configuration["OTEL_TRACES_SAMPLER"] = sampler;
        if (argument is not null) builder.Configuration["OTEL_TRACES_SAMPLER_ARG"] = argument;
        builder.AddXmppTelemetry("sampling-test", source, "test");
        await using var app = builder.Build();
        _ = app.Services.GetRequiredService<TracerProvider>(); // what the host does at start, without binding any port

        using var activitySource = new ActivitySource(source);
        for (var i = 0; i < 20; i++)
        {
            using var activity = activitySource.StartActivity("span");
            Assert.Equal(recorded, activity is { Recorded: true });
        }
    }
}
