using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Xmpp.Integration.Tests.Harness;

/// <summary>
/// One real server process (`dotnet &lt;dll&gt; --Key=Value ...`): its stdout and stderr lines are kept,
/// <see cref="StartAsync"/> returns once it logged READY, and disposing kills it with its tree.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(Regex Pattern, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _killedByTest;

    public string Name { get; }
    public int Pid { get; }

    /// <summary>True once the process has exited although no test killed it.</summary>
    public bool DiedUnexpectedly => _exited.Task.IsCompleted && !_killedByTest;
    public bool HasExited => _exited.Task.IsCompleted;
    public Task<int> Exited => _exited.Task;

    [GeneratedRegex(@"\bREADY\b")]
    private static partial Regex ReadyPattern();

    private ServerProcess(string name, string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        Name = name;
        var info = new ProcessStartInfo("dotnet")
        {
            // appsettings.json sits beside the dll; hosts read it from the content root (the working directory).
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_ENVIRONMENT"] = "Development";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("DOTNET_URLS");
        if (environment is not null)
            foreach (var (key, value) in environment) info.Environment[key] = value;

        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) OnLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) OnLine("stderr: " + e.Data); };
        _process.Exited += (_, _) => OnExited();
        _process.Start();
        Pid = _process.Id;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts the process and waits (30 s) for the line saying READY.</summary>
    public static async Task<ServerProcess> StartAsync(string name, string dll, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = new ServerProcess(name, dll, args, environment);
        try
        {
            await process.WaitForLineAsync(ReadyPattern(), ReadyTimeout);
            return process;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits for an output line matching <paramref name="pattern"/> (lines already seen count).</summary>
    public Task<string> WaitForLineAsync(Regex pattern, TimeSpan timeout) => WaitForLineAsync(pattern, timeout, fromLine: 0);

    /// <summary>Waits for an output line matching <paramref name="pattern"/> printed at or after line index <paramref name="fromLine"/> (see <see cref="LineCount"/>).</summary>
    public async Task<string> WaitForLineAsync(Regex pattern, TimeSpan timeout, int fromLine)
    {
        TaskCompletionSource<string> found;
        lock (_lines)
        {
            foreach (var line in _lines.Skip(fromLine))
                if (pattern.IsMatch(line)) return line;
            if (_exited.Task.IsCompleted)
                throw new InvalidOperationException($"{Name} exited (code {_exited.Task.Result}) without printing /{pattern}/.\n{Tail()}");
            found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((pattern, found));
        }
        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} printed no line matching /{pattern}/{(fromLine > 0 ? $" after line {fromLine}" : "")} within {timeout.TotalSeconds:0} s.\n{Tail()}");
        }
        finally
        {
            lock (_lines) _waiters.RemoveAll(w => w.Found == found);
        }
    }

    private void OnLine(string line)
    {
        lock (_lines)
        {
            _lines.Add($"{DateTime.Now:HH:mm:ss.fff} {line}");
            foreach (var (pattern, found) in _waiters)
                if (pattern.IsMatch(line)) found.TrySetResult(line);
        }
    }

    private void OnExited()
    {
        // Let the output readers drain before failing the waiters.
        try { _process.WaitForExit(); } catch (InvalidOperationException) { }
        int code;
        try { code = _process.ExitCode; } catch (InvalidOperationException) { code = -1; }
        lock (_lines)
        {
            _lines.Add($"{DateTime.Now:HH:mm:ss.fff} [process exited with code {code}{(_killedByTest ? ", killed by the test" : "")}]");
            foreach (var (_, found) in _waiters)
                found.TrySetException(new InvalidOperationException($"{Name} exited (code {code}) while a test waited for its output.\n{TailUnlocked(40)}"));
        }
        _exited.TrySetResult(code);
    }

    public int LineCount { get { lock (_lines) return _lines.Count; } }

    /// <summary>The output lines from index <paramref name="from"/> on.</summary>
    public IReadOnlyList<string> LinesFrom(int from)
    {
        lock (_lines) return _lines.Skip(from).ToArray();
    }

    /// <summary>The last lines of output, each prefixed with the process name.</summary>
    public string Tail(int lines = 40)
    {
        lock (_lines) return TailUnlocked(lines);
    }

    private string TailUnlocked(int lines) =>
        $"---- {Name} (pid {Pid}), last {Math.Min(lines, _lines.Count)} of {_lines.Count} lines ----\n" +
        string.Join("\n", _lines.Skip(Math.Max(0, _lines.Count - lines)));

    /// <summary>kill -9: the process dies at once, without any chance to clean up.</summary>
    public void Kill9()
    {
        _killedByTest = true;
        _process.Kill(entireProcessTree: false);
    }

    /// <summary>SIGTERM, as a container stop or systemd sends: the process shuts down in order; waits for it to exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        _killedByTest = true;
        var kill = await ProcessRunner.RunAsync("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], timeout);
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -TERM {Pid}: {kill}");
        return await Exited.WaitAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        _killedByTest = true;
        await ProcessRunner.StopAsync(_process);
    }
}
