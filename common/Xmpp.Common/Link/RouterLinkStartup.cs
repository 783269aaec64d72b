using Microsoft.Extensions.Configuration;

namespace Xmpp.Common.Link;

/// <summary>
/// Secure by default at start: a component whose "Router" settings name no client certificate
/// or CA (or a non-https address), or whose files cannot be read, does not start: it prints what
/// is wrong and exits with code 1.
/// </summary>
public static class RouterLinkStartup
{
    public static void ExitUnlessLinkConfigured(IConfiguration configuration, string process)
    {
        var options = configuration.GetSection("Router").Get<RouterLinkOptions>() ?? new RouterLinkOptions();
        try
        {
            using var loaded = RouterLinkTls.FromOptions(options); // the files exist and hold a certificate and its key
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            Console.Error.WriteLine($"{process}: not started: {e.Message}");
            Environment.Exit(1);
        }
    }
}
