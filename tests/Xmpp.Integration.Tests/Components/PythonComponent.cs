using System.Diagnostics;
using System.Text;
using Xmpp.Integration.Tests.Harness;

namespace Xmpp.Integration.Tests.Components;

/// <summary>
/// tests/interop/slixmpp_component.py running as a long-lived external component: its output lines
/// are kept and can be waited for; disposing (or <see cref="StopAsync"/>) kills it, which drops its
/// XEP-0114 stream.
/// </summary>
public sealed class PythonComponent : IAsyncDisposable
{
    public const string Python = "/usr/bin/python3"; // not the PATH python3, which may be a pyenv one without slixmpp

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];

    private PythonComponent(Process process) => _process = process;

    public static PythonComponent Start(int port, string domain, string secret, bool expectRefused = false)
    {
        if (!File.Exists(Python))
            Assert.Fail($"{Python} is missing; the interop test needs Debian's python3 with python3-slixmpp (apt-get install python3-slixmpp)");
        var info = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var arg in new[] { Path.Combine(RepoPaths.InteropScripts, "slixmpp_component.py"), "--port", port.ToString(), "--domain", domain, "--secret", secret, "--timeout", "120" })
            info.ArgumentList.Add(arg);
        if (expectRefused) info.ArgumentList.Add("--expect-refused");
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var component = new PythonComponent(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) component.OnLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) component.OnLine("stderr: " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return component;
    }

    public string Output { get { lock (_lines) return string.Join('\n', _lines); } }

    private void OnLine(string line)
    {
        lock (_lines)
        {
            _lines.Add(line);
            foreach (var (match, found) in _waiters)
                if (match(line)) found.TrySetResult(line);
        }
    }

    /// <summary>The first output line starting with <paramref name="prefix"/> (already printed or to come), within <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForAsync(string prefix, TimeSpan timeout)
    {
        TaskCompletionSource<string> found;
        Func<string, bool> match = l => l.StartsWith(prefix, StringComparison.Ordinal);
        lock (_lines)
        {
            if (_lines.FirstOrDefault(match) is { } seen) return seen;
            found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, found));
        }
        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"slixmpp_component.py printed no line starting '{prefix}' within {timeout.TotalSeconds:0} s; its output:\n{Output}");
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"slixmpp_component.py did not exit within {timeout.TotalSeconds:0} s; its output:\n{Output}");
        }
        return _process.ExitCode;
    }

    private bool _stopped;

    /// <summary>Kills the component (its TCP connection drops without a stream close).</summary>
    public Task StopAsync()
    {
        if (_stopped) return Task.CompletedTask;
        _stopped = true;
        return ProcessRunner.StopAsync(_process);
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
