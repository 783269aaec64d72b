using Microsoft.Extensions.Options;
using Xmpp.Common.Components;
using Xmpp.Common.Link;
using Xmpp.Common.Pki;
using Xmpp.Common.Telemetry;
using Xmpp.Muc;
using Xmpp.Muc.Protocol;
using Xmpp.Muc.Storage;
using Xmpp.Muc.Telemetry;

// xmpp-muc: group chat (XEP-0045) on its own domain (Component:Domain, e.g. conference.localhost),
// bound on the router as component/<domain> with that domain's link certificate
// (xmppctl pki init --component conference.localhost). Rooms, affiliations and archives in
// <Muc:DataDirectory>/muc.db. Settings: appsettings.json, env (Muc__MaxRooms=...), command line.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.Configure<MucOptions>(builder.Configuration.GetSection(MucOptions.Section));
var options = builder.Configuration.GetSection(MucOptions.Section).Get<MucOptions>() ?? new MucOptions();
var component = builder.Configuration.GetSection(ServiceComponentOptions.Section).Get<ServiceComponentOptions>() ?? new ServiceComponentOptions();
var router = builder.Configuration.GetSection("Router").Get<RouterLinkOptions>() ?? new RouterLinkOptions();
ExitUnlessConfigured(component, router);

builder.Services.AddSingleton<MucTelemetry>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<IMucStore>(sp => new SqliteMucStore(Path.Combine(sp.GetRequiredService<IOptions<MucOptions>>().Value.DataDirectory, "muc.db")));
builder.AddServiceComponent<MucService>(MucTelemetry.Source, MucTelemetry.Meter);
builder.Services.AddHostedService<ArchiveExpiry>();
var telemetry = builder.AddXmppTelemetry(MucTelemetry.ServiceName, MucTelemetry.Name, "muc/" + component.Domain);
if (!telemetry.MetricsEndpoint)
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0)); // metrics off: no Kestrel default (localhost:5000) either

var app = builder.Build();
app.MapXmppTelemetry();
// Before the link stops (hosted services stop after this), occupants are told the service is going (332).
app.Lifetime.ApplicationStopping.Register(() => app.Services.GetRequiredService<MucService>().Shutdown());
await app.StartAsync();
using (var bound = new CancellationTokenSource(TimeSpan.FromMinutes(5)))
    await app.Services.GetRequiredService<ServiceComponentLink>().WaitUpAsync(bound.Token);
app.Logger.LogInformation("READY muc serving {Domain} for {Server} ({Rooms} rooms)", component.Domain, component.ServerDomain,
    app.Services.GetRequiredService<MucService>().Rooms.Count);
await app.WaitForShutdownAsync();

// Secure by default: the domain and the link certificate must be given.
static void ExitUnlessConfigured(ServiceComponentOptions component, RouterLinkOptions router)
{
    var problems = new List<string>();
    if (string.IsNullOrEmpty(component.Domain)) problems.Add("Component:Domain is not set (e.g. conference.localhost)");
    if (string.IsNullOrEmpty(router.CaCertificate)) problems.Add("Router:CaCertificate is not set");
    if (string.IsNullOrEmpty(router.Certificate))
        problems.Add($"Router:Certificate is not set (`xmppctl pki init --component {component.Domain}` issues {PkiLayout.Component(component.Domain is { Length: > 0 } d ? d : "<domain>").CommonName}'s)");
    if (problems.Count == 0) return;
    Console.Error.WriteLine("xmpp-muc: not started: " + string.Join("; ", problems));
    Environment.Exit(1);
}
