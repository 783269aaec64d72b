using System.Diagnostics;
using System.Text;

namespace Xmpp.Integration.Tests.Clients;

/// <summary>
/// Debian's <c>openssl s_client -starttls xmpp</c> as a client nobody here wrote: it does the
/// STARTTLS exchange itself, then relays stdin to the TLS connection and what it decrypts to
/// stdout. Its interactive command lines are live (no -quiet, no -ign_eof): a line "k" sends a
/// TLS 1.3 KeyUpdate, "K" one that asks the server to update too, "Q" sends close_notify and ends.
/// Not -brief: that silences the "closed" s_client prints when the server's close_notify arrives.
/// A missing openssl fails the test (Process.Start throws); it never passes by skipping.
/// </summary>
public sealed class OpenSslClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly SemaphoreSlim _changed = new(0);
    private readonly Task _readers;

    private OpenSslClient(Process process)
    {
        _process = process;
        _readers = Task.WhenAll(PumpAsync(process.StandardOutput, _stdout), PumpAsync(process.StandardError, _stderr));
    }

    /// <summary>Starts s_client against c2s on 127.0.0.1:<paramref name="port"/> with the given protocol flag (-tls1_2, -tls1_3).</summary>
    public static OpenSslClient Start(int port, string protocolFlag, string domain)
    {
        var info = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "s_client", "-starttls", "xmpp", "-xmpphost", domain, "-connect", $"127.0.0.1:{port}", protocolFlag })
            info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start openssl");
        return new OpenSslClient(process);
    }

    /// <summary>
    /// `openssl s_client` on a direct TLS port (XEP-0368): TLS from the first byte, with SNI
    /// <paramref name="domain"/> and ALPN <paramref name="alpn"/> offered (e.g. "xmpp-client"), and
    /// any further s_client options (e.g. -tls1_2, -keymatexport).
    /// </summary>
    public static OpenSslClient StartDirectTls(int port, string domain, string alpn, params string[] extra)
    {
        var info = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "s_client", "-connect", $"127.0.0.1:{port}", "-servername", domain, "-alpn", alpn }.Concat(extra))
            info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start openssl");
        return new OpenSslClient(process);
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public string Transcript => $"stdout:\n{Stdout}\nstderr:\n{Stderr}";
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Writes one line to s_client's stdin: XML for the server, or one of its command letters.</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteAsync(line + "\n");
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits until <paramref name="check"/> holds for (stdout, stderr), or fails with the transcript.</summary>
    public async Task UntilAsync(Func<string, string, bool> check, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!check(Stdout, Stderr))
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"openssl s_client: no {what} within {timeout.TotalSeconds:0} s\n{Transcript}");
            await _changed.WaitAsync(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>Waits for s_client to exit by itself and returns its exit code.</summary>
    public async Task<int> ExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"openssl s_client did not exit within {timeout.TotalSeconds:0} s\n{Transcript}");
        }
        await _readers.WaitAsync(timeout);
        return _process.ExitCode;
    }

    private async Task PumpAsync(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into) into.Append(buffer, 0, n);
            _changed.Release();
        }
        _changed.Release();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception) { /* gone already */ }
        _process.Dispose();
    }
}
