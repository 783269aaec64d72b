using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Link;
using Xmpp.Sm;
using Xmpp.Sm.Hosting;

// xmpp-sm: the session manager. Settings: appsettings.json next to the binary, then environment
// variables (Sm__Domain=...), then the command line (--Sm:Domain=example.org).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});

builder.Logging.AddSimpleConsole(console =>
{
    console.SingleLine = true;
    console.TimestampFormat = "HH:mm:ss.fff ";
});

builder.Services.AddOptions<SmOptions>()
    .Bind(builder.Configuration.GetSection(SmOptions.Section))
    .Validate(o => Jid.TryParse(o.Domain, out var d) && d.Local is null && d.IsBare && d.ToString() == o.Domain,
        "Sm:Domain must be a lower-case domain name")
    .Validate(o => o.OfflineLimit >= 0 && o.RosterLimit >= 0, "Sm:OfflineLimit and Sm:RosterLimit must not be negative")
    .ValidateOnStart();
builder.Services.AddOptions<RouterLinkOptions>().Bind(builder.Configuration.GetSection("Router"));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddHostedService<SmWorker>();

await builder.Build().RunAsync();
