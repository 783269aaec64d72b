using System.Diagnostics;
using Xmpp.Integration.Tests.Harness;

namespace Xmpp.Integration.Tests.Observability;

/// <summary>A running `xmppctl trace`: its stdout lines as they come, ready once it says it is watching.</summary>
public sealed class CtlWatch : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly TaskCompletionSource _watching = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _lineAdded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CtlWatch(Process process) => _process = process;

    /// <summary>Starts `xmppctl trace` as the cluster's admin.</summary>
    public static Task<CtlWatch> StartAsync(Cluster cluster, params string[] traceArgs) =>
        StartAsync(cluster.RouterAddress, cluster.Pki.CtlArgs(), traceArgs);

    public static async Task<CtlWatch> StartAsync(string router, string[] globalArgs, params string[] traceArgs)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { RepoPaths.Xmppctl, "--router", router }.Concat(globalArgs).Append("trace").Concat(traceArgs)) info.ArgumentList.Add(a);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var watch = new CtlWatch(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            TaskCompletionSource signal;
            lock (watch._stdout)
            {
                watch._stdout.Add(e.Data);
                signal = watch._lineAdded;
                watch._lineAdded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            signal.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (watch._stderr) watch._stderr.Add(e.Data);
            if (e.Data.StartsWith("watching ", StringComparison.Ordinal)) watch._watching.TrySetResult();
        };
        process.Exited += (_, _) => watch._watching.TrySetException(new InvalidOperationException($"xmppctl trace exited before watching: {watch.Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await watch._watching.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch
        {
            await watch.DisposeAsync();
            throw;
        }
        return watch;
    }

    public IReadOnlyList<string> Lines { get { lock (_stdout) return _stdout.ToArray(); } }

    public string Output
    {
        get
        {
            lock (_stdout) lock (_stderr)
                return $"stdout:\n{string.Join("\n", _stdout)}\nstderr:\n{string.Join("\n", _stderr)}";
        }
    }

    /// <summary>Waits (bounded) until xmppctl printed at least <paramref name="count"/> lines.</summary>
    public async Task WaitForLinesAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task added;
            lock (_stdout)
            {
                if (_stdout.Count >= count) return;
                added = _lineAdded.Task;
            }
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero) throw new TimeoutException($"xmppctl trace printed fewer than {count} lines within {timeout.TotalSeconds:0} s; {Output}");
            try { await added.WaitAsync(remaining); }
            catch (TimeoutException) { }
        }
    }

    /// <summary>Ctrl-C: SIGINT to the xmppctl process (`dotnet xmppctl.dll`).</summary>
    public async Task InterruptAsync()
    {
        var result = await ProcessRunner.RunAsync("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
        if (result.ExitCode != 0) throw new InvalidOperationException($"kill -INT failed: {result}");
    }

    /// <summary>Waits (bounded) for xmppctl to exit by itself (--count or --seconds) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"xmppctl trace did not exit within {timeout.TotalSeconds:0} s; {Output}");
        }
        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.StopAsync(_process);
    }
}
