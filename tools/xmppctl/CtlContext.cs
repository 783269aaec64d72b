using Microsoft.Extensions.Logging.Abstractions;
using Xmpp.Common;
using Xmpp.Common.Link;
using Xmpp.Protos;

namespace Xmpp.Tools.Ctl;

/// <summary>
/// What a command works with: the output streams, and a router link bound as `ctl/&lt;random hex&gt;`
/// that is opened on the first request.
/// </summary>
internal sealed class CtlContext(RouterLinkOptions linkOptions, string? domainOption, TextWriter output, TextWriter error, TextReader input, int iterations = Xmpp.Common.Sasl.ScramAlgorithm.DefaultIterations) : IAsyncDisposable
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    public const string DefaultDomain = "localhost";

    private readonly CancellationTokenSource _stop = new();
    private RouterLink? _link;
    private Task? _linkTask;

    /// <summary>The router's gRPC address (for commands that call more than Router.Link).</summary>
    public string RouterAddress => linkOptions.Address;

    /// <summary>How to reach and authenticate to the router (address, admin certificate, CA).</summary>
    public RouterLinkOptions LinkOptions => linkOptions;

    public TextWriter Out { get; } = output;
    public TextWriter Err { get; } = error;

    /// <summary>The domain to ask when no JID names one.</summary>
    public string Domain => domainOption ?? DefaultDomain;

    /// <summary>PBKDF2 iteration count of the keys derived for adduser and passwd.</summary>
    public int Iterations => iterations;

    /// <summary>Parses a user's bare JID; prints an error and returns null if it is not one.</summary>
    public Jid? ParseUser(string text)
    {
        if (!Jid.TryParse(text, out var jid) || jid.Local is null || jid.IsFull)
        {
            Err.WriteLine($"error: '{text}' is not a user JID (expected user@domain)");
            return null;
        }
        return jid;
    }

    /// <summary>The password argument, or the first line of stdin when it is "-".</summary>
    public string? ReadPassword(string argument)
    {
        var password = argument == "-" ? input.ReadLine() : argument;
        if (string.IsNullOrEmpty(password))
        {
            Err.WriteLine("error: empty password");
            return null;
        }
        return password;
    }

    /// <summary>
    /// Sends a session action to sm/&lt;domain&gt; and returns the answer. Returns null after printing an
    /// error when the router or sm cannot be reached or does not answer in time.
    /// </summary>
    public async Task<Session?> RequestAsync(string domain, Session request, CancellationToken ct)
    {
        var target = $"sm/{domain}";
        var link = await ConnectAsync(ct);
        if (link is null) return null;

        Frame answer;
        try
        {
            answer = await link.RequestAsync(new Frame { To = target, Session = request }, ct);
        }
        catch (TimeoutException)
        {
            Err.WriteLine($"error: no answer from {target} within {new RouterLinkOptions().RequestTimeout.TotalSeconds:0} s");
            return null;
        }
        catch (IOException e)
        {
            Err.WriteLine($"error: router link lost ({e.Message})");
            return null;
        }

        if (answer.RouteError is { } routeError && routeError.Code != RouteError.Types.Code.RouteErrorNone)
        {
            Err.WriteLine($"error: no session manager at {target} ({routeError.Reason})");
            return null;
        }
        if (answer.Session.Failed && answer.Session.Reason == "route-unknown")
        {
            Err.WriteLine($"error: no session manager at {target} (route-unknown)");
            return null;
        }
        return answer.Session;
    }

    private async Task<RouterLink?> ConnectAsync(CancellationToken ct)
    {
        if (_link is not null) return _link;
        var address = $"ctl/{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6))}";
        RouterLink link;
        try
        {
            link = new RouterLink([address], linkOptions, NullLogger.Instance,
                _ => ValueTask.CompletedTask); // unasked frames (component events) are of no interest here
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.Security.Cryptography.CryptographicException)
        {
            Err.WriteLine($"error: {e.Message}");
            return null;
        }
        // A refused bind (this certificate is not an admin's) will not get better by retrying.
        var refused = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        Exception? lastError = null;
        link.ConnectFailed += e =>
        {
            lastError = e;
            if (e is RouterLink.BindRefusedException) refused.TrySetResult(e);
        };
        _linkTask = link.RunAsync(_stop.Token);
        try
        {
            var up = link.WaitUpAsync(ct);
            if (await Task.WhenAny(up, refused.Task).WaitAsync(ConnectTimeout, ct) == refused.Task)
            {
                Err.WriteLine($"error: the router refused this link: {refused.Task.Result.Message}");
                await link.DisposeAsync();
                return null;
            }
        }
        catch (TimeoutException)
        {
            Err.WriteLine($"error: router not reachable at {RouterAddress}{(lastError is null ? "" : $" ({lastError.Message})")}");
            await link.DisposeAsync();
            return null;
        }
        _link = link;
        return link;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_linkTask is not null)
        {
            try { await _linkTask.WaitAsync(TimeSpan.FromSeconds(2)); }
            catch (Exception) { /* shutting down either way */ }
        }
        if (_link is not null) await _link.DisposeAsync();
        _stop.Dispose();
    }
}
