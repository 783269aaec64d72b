using Xmpp.Common.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Xmpp.Common.Telemetry;
using Xmpp.Router;
using Xmpp.Router.Routing;
using Xmpp.Router.Services;
using Xmpp.Router.Telemetry;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.Configure<RouterOptions>(builder.Configuration.GetSection("Router"));
var routerOptions = builder.Configuration.GetSection("Router").Get<RouterOptions>() ?? new RouterOptions();

// Traces, metrics (Prometheus on Telemetry:MetricsPort), logs with trace ids, health.
builder.AddXmppTelemetry(RouterTelemetry.ServiceName, RouterTelemetry.Name, "router");
builder.Services.AddGrpcHealthChecks()
    .AddCheck("router", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy("routing"), [XmppTelemetry.ReadyTag]);

SocketScheduling.Configure(builder);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(XmppTelemetry.ParseAddress(routerOptions.ListenAddress), routerOptions.ListenPort,
        listen => listen.Protocols = HttpProtocols.Http2);
});
builder.Services.AddGrpc(grpc =>
{
    grpc.MaxReceiveMessageSize = routerOptions.MaxFrameBytes;
    grpc.MaxSendMessageSize = routerOptions.MaxFrameBytes;
});
builder.Services.AddSingleton<RoutingTable>();
builder.Services.AddSingleton<TrafficTap>();
builder.Services.AddSingleton<FrameRouter>();

var app = builder.Build();
app.MapGrpcService<RouterService>();
app.MapGrpcHealthChecksService(); // grpc.health.v1.Health on the router's gRPC port
app.MapXmppTelemetry();
app.Lifetime.ApplicationStarted.Register(() =>
    app.Logger.LogInformation("READY router listening on {Address}:{Port}", routerOptions.ListenAddress, routerOptions.ListenPort));
app.Run();
