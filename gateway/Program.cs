using Microsoft.Extensions.Options;
using Xmpp.Common.Link;
using Xmpp.Common.Pki;
using Xmpp.Common.Telemetry;
using Xmpp.Gateway;
using Xmpp.Gateway.Connections;
using Xmpp.Gateway.Telemetry;

// xmpp-gateway: XEP-0114 (Jabber Component Protocol) for components written by anyone else.
// Each attached component is bound on the router as component/<its domain>, with that domain's
// link certificate (xmppctl pki init --component <domain>). Settings: appsettings.json, env
// (Gateway__Components__conference.localhost__Secret=...), command line (--Gateway:Port=5275).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.Configure<GatewayOptions>(builder.Configuration.GetSection(GatewayOptions.Section));
builder.Services.Configure<RouterLinkOptions>(builder.Configuration.GetSection("Router"));
var options = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
var router = builder.Configuration.GetSection("Router").Get<RouterLinkOptions>() ?? new RouterLinkOptions();
ExitUnlessConfigured(options, router);

builder.Services.AddSingleton<ComponentListener>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<ComponentListener>());
var telemetry = builder.AddXmppTelemetry(GatewayTelemetry.ServiceName, GatewayTelemetry.Name, "gateway/" + Environment.MachineName.ToLowerInvariant());
if (!telemetry.MetricsEndpoint)
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0)); // metrics off: no Kestrel default (localhost:5000) either

var app = builder.Build();
app.MapXmppTelemetry();
await app.StartAsync();
var listening = app.Services.GetRequiredService<ComponentListener>().LocalEndPoint;
app.Logger.LogInformation("READY gateway listening on {Address}:{Port} for {Domains}", listening?.Address, listening?.Port,
    string.Join(", ", options.Components.Keys.Order(StringComparer.Ordinal)));
await app.WaitForShutdownAsync();

// Secure by default: every configured component needs a secret and a readable link certificate.
static void ExitUnlessConfigured(GatewayOptions options, RouterLinkOptions router)
{
    var problems = new List<string>();
    if (string.IsNullOrEmpty(router.CaCertificate)) problems.Add("Router:CaCertificate is not set");
    foreach (var (domain, component) in options.Components)
    {
        if (string.IsNullOrEmpty(component.Secret)) problems.Add($"Gateway:Components:{domain}:Secret is not set");
        var certificate = component.Certificate ?? new PkiLayout(options.CertificateDirectory ?? ".").CertificateOf(PkiLayout.Component(domain));
        if (!File.Exists(certificate)) problems.Add($"the link certificate of {domain} ({certificate}) does not exist: `xmppctl pki init --component {domain}` issues it");
    }
    if (problems.Count == 0) return;
    Console.Error.WriteLine("xmpp-gateway: not started: " + string.Join("; ", problems));
    Environment.Exit(1);
}
