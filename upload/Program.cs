using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Xmpp.Common.Components;
using Xmpp.Common.Link;
using Xmpp.Common.Telemetry;
using Xmpp.Upload;
using Xmpp.Upload.Http;
using Xmpp.Upload.Protocol;
using Xmpp.Upload.Storage;
using Xmpp.Upload.Telemetry;

// xmpp-upload: XEP-0363 HTTP File Upload on its own domain (upload.<domain>), bound on the router as
// component/<domain> with that domain's link certificate (xmppctl pki init --component upload.localhost).
// Slots are asked for over XMPP; the files are PUT and fetched over HTTPS (Kestrel).
// Settings: appsettings.json, env (Upload__MaxFileSize=...), command line (--Upload:Http:Port=5281).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.Configure<UploadOptions>(builder.Configuration.GetSection(UploadOptions.Section));
var options = builder.Configuration.GetSection(UploadOptions.Section).Get<UploadOptions>() ?? new UploadOptions();
var component = builder.Configuration.GetSection(ServiceComponentOptions.Section).Get<ServiceComponentOptions>() ?? new ServiceComponentOptions();
ExitUnlessConfigured(options, component);

builder.AddXmppTelemetry(UploadTelemetry.ServiceName, UploadTelemetry.Name, "upload/" + Environment.MachineName.ToLowerInvariant());
builder.AddServiceComponent<UploadComponent>(UploadTelemetry.Source, UploadTelemetry.Meter);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(_ => new UploadIndex(Path.Combine(options.DataDirectory, "upload.db")));
builder.Services.AddSingleton(_ => new FileStore(options.DataDirectory));
builder.Services.AddSingleton<UploadsInProgress>();
builder.Services.AddSingleton<UploadEndpoints>();
builder.Services.AddSingleton<SlotUrls>();
builder.Services.AddSingleton<UploadExpiry>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<UploadExpiry>());

// The HTTPS endpoint: TLS by Kestrel, with the configured certificate or a self-signed one.
var publicUrl = options.Http.PublicUrl is { Length: > 0 } configured ? new Uri(configured) : null;
var certificate = HttpsCertificate.Load(options.Http, component.Domain, publicUrl?.Host ?? "");
ListenOptions? uploadListen = null;
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Limits.MaxRequestBodySize = options.MaxFileSize; // each PUT gets its slot's exact size as its limit
    kestrel.AddServerHeader = false;
    kestrel.Listen(XmppTelemetry.ParseAddress(options.Http.ListenAddress), options.Http.Port, listen =>
    {
        listen.Protocols = HttpProtocols.Http1AndHttp2;
        listen.UseHttps(certificate);
        uploadListen = listen;
    });
});

var app = builder.Build();
app.MapXmppTelemetry();
UploadEndpoints.Map(app);
var urls = app.Services.GetRequiredService<SlotUrls>();
if (options.Http.Port != 0) urls.Base = PublicBase(options.Http.Port);
await app.StartAsync();
var port = (uploadListen!.EndPoint as IPEndPoint)?.Port ?? options.Http.Port;
if (options.Http.Port == 0) urls.Base = PublicBase(port);
await app.Services.GetRequiredService<ServiceComponentLink>().WaitUpAsync(app.Lifetime.ApplicationStopping);
app.Logger.LogInformation("READY upload bound as {Domain}; HTTPS on {Address}:{Port}, URLs {Base}/upload/...; max file size {Max} bytes, data in {Data}",
    component.Domain, options.Http.ListenAddress, port, urls.Base, options.MaxFileSize, Path.GetFullPath(options.DataDirectory));
await app.WaitForShutdownAsync();

string PublicBase(int listening) => publicUrl?.GetLeftPart(UriPartial.Path) ?? $"https://{component.Domain}:{listening}";

// Secure and sane by default: the domain, the router link's certificates, limits that make sense.
static void ExitUnlessConfigured(UploadOptions options, ServiceComponentOptions component)
{
    var problems = new List<string>();
    if (string.IsNullOrEmpty(component.Domain)) problems.Add("Component:Domain is not set (e.g. upload.localhost)");
    if (options.MaxFileSize <= 0) problems.Add("Upload:MaxFileSize must be positive");
    if (options.QuotaBytesPerUser < 0) problems.Add("Upload:QuotaBytesPerUser must be 0 (no quota) or positive");
    if (options.SlotRequestBurst > 0 && options.SlotRequestsPerMinute <= 0) problems.Add("Upload:SlotRequestsPerMinute must be positive when Upload:SlotRequestBurst is");
    if (options.SlotLifetime <= TimeSpan.Zero || options.FileLifetime <= TimeSpan.Zero || options.ExpiryInterval <= TimeSpan.Zero)
        problems.Add("Upload:SlotLifetime, Upload:FileLifetime and Upload:ExpiryInterval must be positive");
    if (options.Http.PublicUrl is { Length: > 0 } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps))
        problems.Add($"Upload:Http:PublicUrl ({url}) must be an absolute https URL");
    if (problems.Count == 0) return;
    Console.Error.WriteLine("xmpp-upload: not started: " + string.Join("; ", problems));
    Environment.Exit(1);
}
