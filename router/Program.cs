using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Xmpp.Router;
using Xmpp.Router.Routing;
using Xmpp.Router.Services;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.Configure<RouterOptions>(builder.Configuration.GetSection("Router"));
var routerOptions = builder.Configuration.GetSection("Router").Get<RouterOptions>() ?? new RouterOptions();

builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(System.Net.IPAddress.Parse(routerOptions.ListenAddress), routerOptions.ListenPort,
        listen => listen.Protocols = HttpProtocols.Http2);
});
builder.Services.AddGrpc(grpc =>
{
    grpc.MaxReceiveMessageSize = routerOptions.MaxFrameBytes;
    grpc.MaxSendMessageSize = routerOptions.MaxFrameBytes;
});
builder.Services.AddSingleton<RoutingTable>();
builder.Services.AddSingleton<FrameRouter>();

var app = builder.Build();
app.MapGrpcService<RouterService>();
app.Lifetime.ApplicationStarted.Register(() =>
    app.Logger.LogInformation("READY router listening on {Address}:{Port}", routerOptions.ListenAddress, routerOptions.ListenPort));
app.Run();
