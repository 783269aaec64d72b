using Xmpp.Common.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xmpp.Common;
using Xmpp.Common.Link;
using Xmpp.Common.Telemetry;
using Xmpp.Sm;
using Xmpp.Sm.Hosting;
using Xmpp.Sm.Telemetry;

// xmpp-sm: the session manager. Settings: appsettings.json next to the binary, then environment
// variables (Sm__Domain=...), then the command line (--Sm:Domain=example.org).
// It is a client of the router; its own Kestrel endpoints serve only operations: the gRPC health
// checking protocol (Telemetry:GrpcHealthPort, h2c) and /metrics, /health/live, /health/ready over
// HTTP/1.1 (Telemetry:MetricsPort). Port 0 (default): a free port, logged at start; negative: off.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});

builder.Services.AddOptions<SmOptions>()
    .Bind(builder.Configuration.GetSection(SmOptions.Section))
    .Validate(o => Jid.TryParse(o.Domain, out var d) && d.Local is null && d.IsBare && d.ToString() == o.Domain,
        "Sm:Domain must be a lower-case domain name")
    .Validate(o => o.Shard.Length == 0 || Xmpp.Common.Shards.SmShardAddress.IsValidName(o.Shard), "Sm:Shard must be letters, digits, '-', '_' or '.', at most 63 characters")
    .Validate(o => o.OfflineLimit >= 0 && o.RosterLimit >= 0, "Sm:OfflineLimit and Sm:RosterLimit must not be negative")
    .Validate(o => o.Storage.Provider.Trim().ToLowerInvariant() is Xmpp.Sm.Storage.StorageOptions.Sqlite or Xmpp.Sm.Storage.StorageOptions.Postgres,
        "Sm:Storage:Provider must be sqlite or postgres")
    .Validate(o => o.Storage.MaxPoolSize >= 1 && o.Storage.StartupTimeout >= TimeSpan.Zero,
        "Sm:Storage:MaxPoolSize must be at least 1 and Sm:Storage:StartupTimeout not negative")
    .ValidateOnStart();
builder.Services.AddOptions<RouterLinkOptions>().Bind(builder.Configuration.GetSection("Router"));
RouterLinkStartup.ExitUnlessLinkConfigured(builder.Configuration, "xmpp-sm"); // mutual TLS to the router, or no start
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<SmLinkState>();
builder.Services.AddHostedService<SmWorker>();

var domain = builder.Configuration.GetSection(SmOptions.Section).Get<SmOptions>()?.Domain ?? "localhost";
var telemetry = builder.AddXmppTelemetry(SmTelemetry.ServiceName, SmTelemetry.Name, "sm/" + domain);
builder.Services.AddGrpc();
builder.Services.AddGrpcHealthChecks()
    .AddRouterLinkCheck(sp => sp.GetRequiredService<SmLinkState>().IsUp); // serving only while linked
var grpcHealthPort = telemetry.Options.GrpcHealthPort;
if (grpcHealthPort >= 0)
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(XmppTelemetry.ParseAddress(telemetry.Options.ListenAddress), grpcHealthPort,
        listen => listen.Protocols = HttpProtocols.Http2));
else if (!telemetry.MetricsEndpoint)
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(0)); // both off: no Kestrel default (localhost:5000) either

var app = builder.Build();
if (grpcHealthPort >= 0) app.MapGrpcHealthChecksService();
app.MapXmppTelemetry();
await app.RunAsync();
