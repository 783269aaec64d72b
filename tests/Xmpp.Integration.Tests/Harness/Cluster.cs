using System.Text;

namespace Xmpp.Integration.Tests.Harness;

/// <summary>An account created through xmppctl.</summary>
public sealed record Account(string Local, string Password, string Domain = Cluster.Domain)
{
    public string Jid => $"{Local}@{Domain}";
    public override string ToString() => Jid;
}

/// <summary>
/// The real thing on localhost: router, sm (with its own temporary data directory) and two c2s
/// instances (c2s-1, c2s-2), each on a free port.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    public const string Domain = "localhost";
    public static readonly TimeSpan CtlTimeout = TimeSpan.FromSeconds(30);

    private static readonly string[] QuietLogging =
    [
        "--Logging:LogLevel:Default=Information",
        "--Logging:LogLevel:Microsoft.AspNetCore=Warning",
        "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
        "--Logging:Console:FormatterOptions:SingleLine=true",
    ];

    private readonly List<ServerProcess> _processes = [];
    private int _userCounter;

    public int RouterPort { get; }
    public string RouterAddress => $"http://127.0.0.1:{RouterPort}";
    public int C2s1Port { get; }
    public int C2s2Port { get; }
    public string DataDirectory { get; }

    public ServerProcess Router { get; private set; } = null!;
    public ServerProcess Sm { get; private set; } = null!;
    public ServerProcess C2s1 { get; private set; } = null!;
    public ServerProcess C2s2 { get; private set; } = null!;

    public IReadOnlyList<ServerProcess> Processes => _processes;

    private Cluster()
    {
        RouterPort = FreePort.Pick();
        C2s1Port = FreePort.Pick();
        C2s2Port = FreePort.Pick();
        DataDirectory = Path.Combine(Path.GetTempPath(), "xmpp-it-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(DataDirectory);
    }

    /// <summary>Starts router, then sm and both c2s, and returns when every one of them logged READY.</summary>
    public static async Task<Cluster> StartAsync()
    {
        var cluster = new Cluster();
        try
        {
            cluster.Router = await cluster.StartProcessAsync("router", RepoPaths.Router,
                "--Router:ListenAddress=127.0.0.1", $"--Router:ListenPort={cluster.RouterPort}");
            var sm = cluster.StartProcessAsync("sm", RepoPaths.Sm,
                $"--Sm:Domain={Domain}", $"--Sm:DataDirectory={cluster.DataDirectory}", $"--Router:Address={cluster.RouterAddress}");
            var c2s1 = cluster.StartC2sAsync("c2s-1", cluster.C2s1Port);
            var c2s2 = cluster.StartC2sAsync("c2s-2", cluster.C2s2Port);
            await Task.WhenAll(sm, c2s1, c2s2); // all of them finish starting (or fail) before any cleanup
            cluster.Sm = sm.Result;
            cluster.C2s1 = c2s1.Result;
            cluster.C2s2 = c2s2.Result;
            return cluster;
        }
        catch (Exception e)
        {
            var tails = cluster.OutputTail();
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"the cluster did not start: {e.Message}\n{tails}", e);
        }
    }

    private Task<ServerProcess> StartC2sAsync(string id, int port) =>
        StartProcessAsync(id, RepoPaths.C2s,
            $"--C2s:InstanceId={id}", $"--C2s:Domain={Domain}", "--C2s:ListenAddress=127.0.0.1", $"--C2s:Port={port}",
            $"--Router:Address={RouterAddress}");

    private async Task<ServerProcess> StartProcessAsync(string name, string dll, params string[] args)
    {
        var process = await ServerProcess.StartAsync(name, dll, args.Concat(QuietLogging));
        lock (_processes) _processes.Add(process);
        return process;
    }

    public int PortOf(ServerProcess c2s) => c2s == C2s1 ? C2s1Port : c2s == C2s2 ? C2s2Port : throw new ArgumentException("not a c2s", nameof(c2s));

    /// <summary>Runs xmppctl against this cluster's router (or <paramref name="router"/>) and waits (30 s) for it to exit.</summary>
    public async Task<RunResult> CtlAsync(string[] args, string? stdin = null, string? router = null)
    {
        try
        {
            return await ProcessRunner.RunAsync("dotnet", [RepoPaths.Xmppctl, "--router", router ?? RouterAddress, .. args], CtlTimeout, stdin);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{OutputTail()}");
        }
    }

    public Task<RunResult> CtlAsync(params string[] args) => CtlAsync(args, null);

    /// <summary>Creates a fresh account named like <paramref name="name"/> ("alice" becomes "alice-3") through xmppctl adduser.</summary>
    public async Task<Account> NewUserAsync(string name, string? password = null)
    {
        var account = new Account($"{name}-{Interlocked.Increment(ref _userCounter)}", password ?? $"pw-{Guid.NewGuid():N}"[..15]);
        var result = await CtlAsync("adduser", account.Jid, account.Password);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"xmppctl adduser {account.Jid} failed: {result}\n{OutputTail()}");
        return account;
    }

    /// <summary>An account name nobody has created (for "unknown user" checks).</summary>
    public Account UnknownUser(string name) => new($"{name}-{Interlocked.Increment(ref _userCounter)}-nobody", "whatever");

    /// <summary>The last lines of every process's output, for failure messages.</summary>
    public string OutputTail(int lines = 30)
    {
        var sb = new StringBuilder();
        lock (_processes)
            foreach (var p in _processes) sb.AppendLine(p.Tail(lines));
        return sb.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        ServerProcess[] processes;
        lock (_processes) processes = _processes.AsEnumerable().Reverse().ToArray();
        foreach (var p in processes) await p.DisposeAsync();
        try { Directory.Delete(DataDirectory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
