using Xmpp.Common.Hosting;
using Microsoft.Extensions.Options;
using Xmpp.C2s;
using Xmpp.C2s.Connections;
using Xmpp.C2s.Tls;
using Xmpp.C2s.Routing;
using Xmpp.C2s.Telemetry;
using Xmpp.Common.Link;
using Xmpp.Common.Telemetry;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
// An empty C2s:InstanceId means "this machine's name": replicas of one container image then get
// distinct router addresses (c2s/<container hostname>) without per-replica settings.
static void ResolveInstanceId(C2sOptions o)
{
    if (string.IsNullOrWhiteSpace(o.InstanceId)) o.InstanceId = Environment.MachineName.ToLowerInvariant();
}
builder.Services.Configure<C2sOptions>(builder.Configuration.GetSection("C2s"));
builder.Services.PostConfigure<C2sOptions>(ResolveInstanceId);
builder.Services.Configure<RouterLinkOptions>(builder.Configuration.GetSection("Router"));
RouterLinkStartup.ExitUnlessLinkConfigured(builder.Configuration, "xmpp-c2s"); // mutual TLS to the router, or no start
var options = builder.Configuration.GetSection("C2s").Get<C2sOptions>() ?? new C2sOptions();
ResolveInstanceId(options);

// A stop closes every client stream (C2s:CloseTimeout each, in parallel) and flushes the router link: a few seconds.
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.StopTimeout);
builder.Services.AddSingleton<ConnectionRegistry>();
builder.Services.AddSingleton<SmConnector>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<SmConnector>());
// Registered after the router link, so it stops first: clients are told before the link closes.
builder.Services.AddSingleton<ClientListener>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<ClientListener>());

// Traces, metrics (Prometheus on Telemetry:MetricsPort), logs with trace ids, and
// /health/ready, which is healthy only while the router link is up.
builder.AddXmppTelemetry(C2sTelemetry.ServiceName, C2sTelemetry.Name, "c2s/" + options.InstanceId);
builder.Services.AddHealthChecks().AddRouterLinkCheck(sp => sp.GetRequiredService<SmConnector>().Link.IsUp);

var app = builder.Build();
C2sTelemetry.Observe(app.Services.GetRequiredService<ConnectionRegistry>());
app.MapXmppTelemetry();
await app.StartAsync();
var connector = app.Services.GetRequiredService<SmConnector>();
await connector.Link.WaitUpAsync(app.Lifetime.ApplicationStopping);
var listening = app.Services.GetRequiredService<ClientListener>().LocalEndPoint;
app.Logger.LogInformation("READY c2s/{Instance} listening on {Address}:{Port} and linked", options.InstanceId, listening?.Address, listening?.Port);
await app.WaitForShutdownAsync();
