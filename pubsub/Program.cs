using Microsoft.Extensions.Options;
using Xmpp.Common.Components;
using Xmpp.Common.Link;
using Xmpp.Common.Telemetry;
using Xmpp.PubSub;
using Xmpp.PubSub.Protocol;
using Xmpp.PubSub.Storage;
using Xmpp.PubSub.Telemetry;

// xmpp-pubsub: XEP-0060 publish-subscribe on its own domain (Component:Domain, e.g. pubsub.localhost),
// bound on the router as component/<domain> with that domain's link certificate
// (xmppctl pki init --component pubsub.localhost). Nodes, items, affiliations and subscriptions in
// SQLite under PubSub:DataDirectory. Settings: appsettings.json, env (PubSub__MaxItemsPerNode=...),
// command line (--PubSub:MaxItemsPerNode=...).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.Configure<PubSubOptions>(builder.Configuration.GetSection(PubSubOptions.Section));
var options = builder.Configuration.GetSection(PubSubOptions.Section).Get<PubSubOptions>() ?? new PubSubOptions();
var component = builder.Configuration.GetSection(ServiceComponentOptions.Section).Get<ServiceComponentOptions>() ?? new ServiceComponentOptions();
var router = builder.Configuration.GetSection("Router").Get<RouterLinkOptions>() ?? new RouterLinkOptions();
ExitUnlessConfigured(component, router);

var dataDirectory = Path.GetFullPath(options.DataDirectory, Environment.CurrentDirectory);
builder.Services.AddSingleton(_ => new SqlitePubSubStore(Path.Combine(dataDirectory, "pubsub.db")));
builder.Services.AddSingleton(sp =>
{
    var store = sp.GetRequiredService<SqlitePubSubStore>();
    return ServiceEngine.Create(store, store, sp.GetRequiredService<IOptions<PubSubOptions>>().Value, TimeProvider.System);
});
builder.AddServiceComponent<PubSubComponent>(PubSubTelemetry.Source, PubSubTelemetry.Meter);
var telemetry = builder.AddXmppTelemetry(PubSubTelemetry.ServiceName, PubSubTelemetry.Name, "pubsub/" + component.Domain);
if (!telemetry.MetricsEndpoint)
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0)); // metrics off: no Kestrel default (localhost:5000) either

var app = builder.Build();
app.MapXmppTelemetry();
var store = app.Services.GetRequiredService<SqlitePubSubStore>(); // opened (and its schema applied) before the link binds the domain
await app.StartAsync();
await app.Services.GetRequiredService<ServiceComponentLink>().WaitUpAsync(app.Lifetime.ApplicationStopping);
app.Logger.LogInformation("READY pubsub serving {Domain} for {Server}, {Nodes} nodes in {Path}", component.Domain, component.ServerDomain,
    store.Nodes(component.Domain).Count, Path.Combine(dataDirectory, "pubsub.db"));
await app.WaitForShutdownAsync();

// Secure by default: the domain, the CA and the domain's link certificate must be given.
static void ExitUnlessConfigured(ServiceComponentOptions component, RouterLinkOptions router)
{
    var problems = new List<string>();
    if (string.IsNullOrEmpty(component.Domain)) problems.Add("Component:Domain is not set (e.g. pubsub.localhost)");
    if (string.IsNullOrEmpty(router.CaCertificate)) problems.Add("Router:CaCertificate is not set");
    if (string.IsNullOrEmpty(router.Certificate)) problems.Add("Router:Certificate is not set (component-<domain>.crt from `xmppctl pki init --component <domain>`)");
    else if (!File.Exists(router.Certificate)) problems.Add($"Router:Certificate {router.Certificate} does not exist");
    if (problems.Count == 0) return;
    Console.Error.WriteLine("xmpp-pubsub: not started: " + string.Join("; ", problems));
    Environment.Exit(1);
}
