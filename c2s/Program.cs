using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Xmpp.C2s;
using Xmpp.C2s.Connections;
using Xmpp.C2s.Routing;
using Xmpp.Common.Link;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.Configure<C2sOptions>(builder.Configuration.GetSection("C2s"));
builder.Services.Configure<RouterLinkOptions>(builder.Configuration.GetSection("Router"));
var options = builder.Configuration.GetSection("C2s").Get<C2sOptions>() ?? new C2sOptions();

builder.Services.AddSingleton<ConnectionRegistry>();
builder.Services.AddSingleton<SmConnector>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<SmConnector>());

builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
    kestrel.Listen(System.Net.IPAddress.Parse(options.ListenAddress), options.Port,
        listen => listen.UseConnectionHandler<XmppConnectionHandler>());
});

var app = builder.Build();
await app.StartAsync();
var connector = app.Services.GetRequiredService<SmConnector>();
await connector.Link.WaitUpAsync(app.Lifetime.ApplicationStopping);
app.Logger.LogInformation("READY c2s/{Instance} listening on {Address}:{Port} and linked", options.InstanceId, options.ListenAddress, options.Port);
await app.WaitForShutdownAsync();
