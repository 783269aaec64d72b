using System.Text;
using Xmpp.Integration.Tests.Clients;

namespace Xmpp.Integration.Tests.Harness;

/// <summary>An account created through xmppctl.</summary>
public sealed record Account(string Local, string Password, string Domain = Cluster.Domain)
{
    public string Jid => $"{Local}@{Domain}";
    public override string ToString() => Jid;
}

/// <summary>How to start a <see cref="Cluster"/>: the defaults are router, sm and two c2s with no extra settings.</summary>
public sealed record ClusterOptions
{
    /// <summary>How many c2s instances (c2s-1, c2s-2, ...).</summary>
    public int C2sCount { get; init; } = 2;

    /// <summary>sm shards (protos/router.proto, "sm shards"): 0 starts the one unsharded sm; N starts sm-1..sm-N with Sm:Shard set, sharing the data directory.</summary>
    public int SmShards { get; init; }

    /// <summary>Environment variables for every server process (e.g. OTEL_EXPORTER_OTLP_ENDPOINT).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Also start the group chat service (muc/) as conference.localhost (<see cref="Cluster.StartMucAsync"/>).</summary>
    public bool Muc { get; init; }

    /// <summary>Extra command-line settings by process kind: "router", "sm", "c2s".</summary>
    public IReadOnlyDictionary<string, string[]> ExtraArgs { get; init; } = new Dictionary<string, string[]>();

    /// <summary>When set, sm keeps its data in this PostgreSQL database (Sm:Storage:Provider=postgres) instead of SQLite in its data directory.</summary>
    public string? SmPostgresConnectionString { get; init; }
}

/// <summary>
/// The real thing on localhost: router, sm (with its own temporary data directory) and two c2s
/// instances (c2s-1, c2s-2), each on a free port. Every process also gets a free port for its
/// metrics and health endpoint (Telemetry:MetricsPort), sm one for its gRPC health service.
/// </summary>
public sealed partial class Cluster : IAsyncDisposable
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
    private readonly Dictionary<string, int> _metricsPorts = [];
    private readonly ClusterOptions _options;
    private int _userCounter;

    public int RouterPort { get; }
    public string RouterAddress => $"https://127.0.0.1:{RouterPort}";
    /// <summary>The deployment CA and link certificates every process (and xmppctl) of this cluster uses.</summary>
    public ClusterPki Pki { get; }
    public int C2s1Port => C2sPorts[0];
    public int C2s2Port => C2sPorts[1];
    /// <summary>The client ports of c2s-1, c2s-2, ... in order.</summary>
    public IReadOnlyList<int> C2sPorts { get; }
    /// <summary>sm's gRPC health checking endpoint (h2c).</summary>
    public int SmGrpcHealthPort { get; }
    public string DataDirectory { get; }

    public ServerProcess Router { get; private set; } = null!;
    public ServerProcess Sm { get; private set; } = null!;
    /// <summary>With <see cref="ClusterOptions.SmShards"/>: sm-1, sm-2, ... in order (<see cref="Sm"/> is sm-1); else just <see cref="Sm"/>.</summary>
    public IReadOnlyList<ServerProcess> SmInstances { get; private set; } = [];
    public ServerProcess C2s1 => C2sInstances[0];
    public ServerProcess C2s2 => C2sInstances[1];
    /// <summary>c2s-1, c2s-2, ... in order.</summary>
    public IReadOnlyList<ServerProcess> C2sInstances { get; private set; } = [];

    public IReadOnlyList<ServerProcess> Processes => _processes;

    private Cluster(ClusterOptions options)
    {
        if (options.C2sCount < 1) throw new ArgumentException("a cluster needs a c2s", nameof(options));
        _options = options;
        RouterPort = FreePort.Pick();
        C2sPorts = Enumerable.Range(0, options.C2sCount).Select(_ => FreePort.Pick()).ToArray();
        SmGrpcHealthPort = FreePort.Pick();
        foreach (var name in new[] { "router", "sm" }.Concat(SmShardNames(options)).Concat(Enumerable.Range(1, options.C2sCount).Select(i => $"c2s-{i}")))
            _metricsPorts[name] = FreePort.Pick();
        DataDirectory = Path.Combine(Path.GetTempPath(), "xmpp-it-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(DataDirectory);
        Pki = new ClusterPki(Path.Combine(DataDirectory, "pki"), Domain, options.C2sCount);
    }

    /// <summary>Starts router, then sm and both c2s, and returns when every one of them logged READY.</summary>
    public static Task<Cluster> StartAsync() => StartAsync(new ClusterOptions());

    /// <summary>Starts router, then sm and the c2s instances, and returns when every one of them logged READY.</summary>
    public static async Task<Cluster> StartAsync(ClusterOptions options)
    {
        var cluster = new Cluster(options);
        try
        {
            cluster.Router = await cluster.StartProcessAsync("router", RepoPaths.Router,
                ["--Router:ListenAddress=127.0.0.1", $"--Router:ListenPort={cluster.RouterPort}", .. cluster.Pki.RouterArgs()]);
            var sms = options.SmShards > 0
                ? SmShardNames(options).Select(shard => cluster.StartProcessAsync(shard, RepoPaths.Sm,
                    [$"--Sm:Domain={Domain}", $"--Sm:Shard={shard}", $"--Sm:DataDirectory={cluster.DataDirectory}", $"--Router:Address={cluster.RouterAddress}",
                    $"--Telemetry:GrpcHealthPort={FreePort.Pick()}", ArchiveOn, .. cluster.Pki.ComponentArgs(Xmpp.Common.Pki.PkiLayout.Sm(Domain))])).ToArray()
                : [cluster.StartProcessAsync("sm", RepoPaths.Sm,
                    [$"--Sm:Domain={Domain}", $"--Sm:DataDirectory={cluster.DataDirectory}", $"--Router:Address={cluster.RouterAddress}",
                    $"--Telemetry:GrpcHealthPort={cluster.SmGrpcHealthPort}", ArchiveOn, .. cluster.Pki.ComponentArgs(Xmpp.Common.Pki.PkiLayout.Sm(Domain))])];
            var c2s = Enumerable.Range(1, options.C2sCount).Select(i => cluster.StartC2sAsync($"c2s-{i}", cluster.C2sPorts[i - 1])).ToArray();
            await Task.WhenAll([.. sms, .. c2s]); // all of them finish starting (or fail) before any cleanup
            cluster.SmInstances = sms.Select(t => t.Result).ToArray();
            cluster.Sm = cluster.SmInstances[0];
            cluster.C2sInstances = c2s.Select(t => t.Result).ToArray();
            if (options.Muc) await cluster.StartMucAsync();
            return cluster;
        }
        catch (Exception e)
        {
            var tails = cluster.OutputTail();
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"the cluster did not start: {e.Message}\n{tails}", e);
        }
    }

    /// <summary>
    /// Starts sm again (after the test killed it) with the same data directory, ports and settings;
    /// returns when it logged READY (linked to the router). The dead process stays in <see cref="Processes"/> for its output.
    /// </summary>
    public async Task<ServerProcess> RestartSmAsync()
    {
        Sm = await StartProcessAsync("sm", RepoPaths.Sm,
            [$"--Sm:Domain={Domain}", $"--Sm:DataDirectory={DataDirectory}", $"--Router:Address={RouterAddress}",
            $"--Telemetry:GrpcHealthPort={SmGrpcHealthPort}", ArchiveOn, .. Pki.ComponentArgs(Xmpp.Common.Pki.PkiLayout.Sm(Domain))]);
        return Sm;
    }

    /// <summary>
    /// Starts the router again (after the test killed or stopped it) on the same port with the same
    /// certificates; returns when it logged READY. The components find it by themselves.
    /// </summary>
    public async Task<ServerProcess> RestartRouterAsync()
    {
        Router = await StartProcessAsync("router", RepoPaths.Router,
            ["--Router:ListenAddress=127.0.0.1", $"--Router:ListenPort={RouterPort}", .. Pki.RouterArgs()]);
        return Router;
    }

    /// <summary>
    /// The XEP-0313 archive is off by default (README, Sm:Archive:Enabled); test clusters run with it
    /// on, so the archive, carbons' stanza-ids and everything beside them are tested together. A
    /// test's own ExtraArgs come later on the command line and win.
    /// </summary>
    private const string ArchiveOn = "--Sm:Archive:Enabled=true";

    private Task<ServerProcess> StartC2sAsync(string id, int port) =>
        StartProcessAsync(id, RepoPaths.C2s,
            [$"--C2s:InstanceId={id}", $"--C2s:Domain={Domain}", "--C2s:ListenAddress=127.0.0.1", $"--C2s:Port={port}",
            $"--Router:Address={RouterAddress}", .. Pki.ComponentArgs(Xmpp.Common.Pki.PkiLayout.C2s(id)),
            // every test connects from 127.0.0.1, many at once: no per-address limits unless a test sets them (ExtraArgs come later and win)
            "--C2s:Limits:MaxConnectionsPerIp=0", "--C2s:Limits:ConnectionsPerIpPerSecond=0",
            // XMPP_IT_C2S_TLS_STACK=SslStream (or BouncyCastle) runs every cluster's c2s on that TLS stack (C2s:Tls:Stack)
            .. (Environment.GetEnvironmentVariable("XMPP_IT_C2S_TLS_STACK") is { Length: > 0 } stack ? [$"--C2s:Tls:Stack={stack}"] : Array.Empty<string>())]);

    /// <summary>
    /// Starts a process of this cluster again (after the test killed or stopped it) with the same
    /// name, arguments and ports; returns when it logged READY. <see cref="Router"/>, <see cref="Sm"/>
    /// and <see cref="C2sInstances"/> name the new one; the dead one stays in <see cref="Processes"/> for its output.
    /// </summary>
    public async Task<ServerProcess> StartAgainAsync(ServerProcess dead)
    {
        var (dll, args) = _startedWith[dead.Name];
        var process = await StartProcessAsync(dead.Name, dll, args);
        if (dead.Name == "router") Router = process;
        else if (dead.Name == "sm") Sm = process;
        else if (dead.Name.StartsWith("sm-", StringComparison.Ordinal))
        {
            SmInstances = SmInstances.Select(p => p.Name == dead.Name ? process : p).ToArray();
            Sm = SmInstances[0];
        }
        else C2sInstances = C2sInstances.Select(p => p.Name == dead.Name ? process : p).ToArray();
        return process;
    }

    private readonly Dictionary<string, (string Dll, string[] Args)> _startedWith = [];

    private async Task<ServerProcess> StartProcessAsync(string name, string dll, params string[] args)
    {
        lock (_startedWith) _startedWith[name] = (dll, args);
        var kind = name.StartsWith("c2s", StringComparison.Ordinal) ? "c2s" : name.StartsWith("sm-", StringComparison.Ordinal) ? "sm" : name;
        var extra = _options.ExtraArgs.GetValueOrDefault(kind) ?? [];
        if (kind == "sm" && _options.SmPostgresConnectionString is { } postgres)
            extra = ["--Sm:Storage:Provider=postgres", $"--Sm:Storage:ConnectionString={postgres}", .. extra];
        var process = await ServerProcess.StartAsync(name, dll,
            args.Append($"--Telemetry:MetricsPort={_metricsPorts[name]}").Concat(QuietLogging).Concat(extra), _options.Environment);
        lock (_processes) _processes.Add(process);
        return process;
    }

    private static IEnumerable<string> SmShardNames(ClusterOptions options) => Enumerable.Range(1, options.SmShards).Select(i => $"sm-{i}");

    public int PortOf(ServerProcess c2s)
    {
        var index = C2sInstances.ToList().IndexOf(c2s);
        return index >= 0 ? C2sPorts[index] : throw new ArgumentException("not a c2s", nameof(c2s));
    }

    /// <summary>The port of a process's /metrics and /health endpoint.</summary>
    public int MetricsPortOf(ServerProcess process) => _metricsPorts[process.Name];

    /// <summary>Runs xmppctl as the admin against this cluster's router (or <paramref name="router"/>) and waits (30 s) for it to exit.</summary>
    public async Task<RunResult> CtlAsync(string[] args, string? stdin = null, string? router = null)
    {
        try
        {
            return await ProcessRunner.RunAsync("dotnet", [RepoPaths.Xmppctl, "--router", router ?? RouterAddress, .. Pki.CtlArgs(), .. args], CtlTimeout, stdin);
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

    /// <summary>
    /// Logs <paramref name="account"/> in on the c2s at <paramref name="port"/> (STARTTLS, SASL, bind,
    /// presence), as a client named after the account and that c2s whose failures carry the processes' output.
    /// </summary>
    public Task<TestClient> LoginAsync(Account account, int port, string? resource = null, string mechanism = "SCRAM-SHA-256", bool presence = true)
    {
        var c2s = C2sPorts.ToList().IndexOf(port) is var i and >= 0 ? $"c2s-{i + 1}" : port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TestClient.LoginAsync(port, account.Jid, account.Password, resource, mechanism, presence,
            name: $"{account.Local}@{c2s}", diagnostics: () => "\n" + OutputTail());
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
