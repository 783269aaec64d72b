using System.Diagnostics;

namespace Xmpp.Integration.Tests.Harness;

/// <summary>What one short-lived process (xmppctl, a script) printed and returned.</summary>
public sealed record RunResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => (Stdout + Stderr).Trim();
    public override string ToString() => $"exit {ExitCode}: {Output}";
}

public static class ProcessRunner
{
    /// <summary>Runs a program to its end (killing it after <paramref name="timeout"/>), optionally writing one line to its stdin.</summary>
    public static async Task<RunResult> RunAsync(string fileName, IEnumerable<string> args, TimeSpan timeout, string? stdin = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) info.Environment[k] = v;

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null) await process.StandardInput.WriteLineAsync(stdin);
            process.StandardInput.Close();
        }
        catch (IOException) { /* it exited without reading stdin */ }
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{Path.GetFileName(fileName)} {string.Join(' ', info.ArgumentList)} did not exit within {timeout.TotalSeconds:0} s; " +
                                       $"its output so far:\n{await stdout}{await stderr}");
        }
        return new RunResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Stops a process a test started: kills it and its children, waits up to 10 s, disposes it.</summary>
    public static async Task StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
            // Already gone, or it will be reaped with the test host.
        }
        process.Dispose();
    }
}
