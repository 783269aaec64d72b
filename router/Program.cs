using Xmpp.Common.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Xmpp.Common.Telemetry;
using Xmpp.Router;
using Xmpp.Router.Routing;
using Xmpp.Router.Security;
using Microsoft.AspNetCore.Server.Kestrel.Https;
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
// Every link is TLS with a client certificate from the deployment CA (Router:ServerCertificate,
// Router:CaCertificate); without them the router refuses to start.
LinkAuthenticator authenticator;
using (var startupLogs = LoggerFactory.Create(logging => logging.AddConsole()))
{
    try
    {
        authenticator = LinkAuthenticator.FromOptions(routerOptions, startupLogs.CreateLogger("Xmpp.Router.Security"));
    }
    catch (Exception e) when (e is InvalidOperationException or IOException or System.Security.Cryptography.CryptographicException)
    {
        startupLogs.CreateLogger("Xmpp.Router").LogCritical("Router not started: {Error}", e.Message);
        Console.Error.WriteLine($"xmpp-router: {e.Message}");
        return 1;
    }
}
builder.Services.AddSingleton(authenticator);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(XmppTelemetry.ParseAddress(routerOptions.ListenAddress), routerOptions.ListenPort, listen =>
    {
        listen.Protocols = HttpProtocols.Http2;
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = context => ValueTask.FromResult(authenticator.ServerOptions(context.Connection.RemoteEndPoint)),
        });
    });
});
builder.Services.AddGrpc(grpc =>
{
    grpc.MaxReceiveMessageSize = routerOptions.MaxFrameBytes;
    grpc.MaxSendMessageSize = routerOptions.MaxFrameBytes;
});
builder.Services.AddSingleton<RoutingTable>();
builder.Services.AddSingleton<TrafficTap>();
builder.Services.AddSingleton<FrameRouter>();
builder.Services.AddSingleton<RouterShutdown>();
// A graceful stop drains in Router:DrainTimeout (RouterShutdown); the host waits no longer than Router:StopTimeout in all.
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = routerOptions.StopTimeout);

var app = builder.Build();
app.Services.GetRequiredService<RouterShutdown>(); // hooks ApplicationStopping before anything can stop
app.MapGrpcService<RouterService>();
app.MapGrpcHealthChecksService(); // grpc.health.v1.Health on the router's gRPC port
app.MapXmppTelemetry();
app.Lifetime.ApplicationStarted.Register(() =>
    app.Logger.LogInformation("READY router listening on {Address}:{Port}", routerOptions.ListenAddress, routerOptions.ListenPort));
app.Run();
return 0;
