using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Harness;

namespace Xmpp.Integration.Tests.Deployment;

/// <summary>
/// A real HAProxy (Debian's haproxy) running deploy/haproxy.cfg — the file docker-compose.yml
/// mounts — rewritten for loopback: it binds a free port instead of :5222, its servers are the
/// cluster's c2s instances (client port and metrics/health port) instead of the compose hosts,
/// and Docker's DNS resolver is left out. A stats socket is added so the test can see the servers' health.
/// </summary>
public sealed partial class Haproxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly string _directory;

    private Haproxy(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }
    public string StatsSocket => Path.Combine(_directory, "stats.sock");
    public string Config => File.ReadAllText(Path.Combine(_directory, "haproxy.cfg"));

    public string Output { get { lock (_lines) return string.Join("\n", _lines); } }

    [GeneratedRegex(@"^(\s*server\s+(\S+)\s+)(\S+):5222(\s+check\s+port\s+)9464\b([^\n]*)", RegexOptions.Multiline)]
    private static partial Regex ServerLine();

    [GeneratedRegex(@"^(\s*server\s+(\S+)\s+)(\S+):5223(\s+check\s+port\s+)9464\b([^\n]*)", RegexOptions.Multiline)]
    private static partial Regex DirectTlsServerLine();

    /// <summary>
    /// deploy/haproxy.cfg rewritten for this cluster on loopback. With <paramref name="fewerServers"/>
    /// a cluster with fewer c2s than the file names gets only its own (the other server lines are left out).
    /// </summary>
    public static string Render(string deployed, Cluster cluster, int port, string statsSocket, bool fewerServers = false)
    {
        var lines = new List<string>();
        var skipping = false;
        foreach (var line in deployed.Split('\n'))
        {
            if (line.StartsWith("resolvers ", StringComparison.Ordinal)) { skipping = true; continue; } // Docker's DNS: not here
            if (skipping && (line.Length == 0 || !char.IsWhiteSpace(line[0]))) skipping = false;
            if (skipping) continue;
            lines.Add(line.Replace(" resolvers docker", "", StringComparison.Ordinal));
            if (line.Trim() == "global") lines.Add($"    stats socket {statsSocket} mode 600 level admin");
        }
        var config = string.Join('\n', lines);
        config = Regex.Replace(config, @"^(\s*bind\s+):5222\b", $"${{1}}127.0.0.1:{port}", RegexOptions.Multiline);
        // The direct TLS frontend (:5223) gets a free port of its own; its servers point at the
        // cluster's STARTTLS ports (these clusters open no direct TLS port): the tests use the 5222 frontend.
        config = Regex.Replace(config, @"^(\s*bind\s+):5223\b", $"${{1}}127.0.0.1:{FreePort.Pick()}", RegexOptions.Multiline);
        var direct = 0;
        config = DirectTlsServerLine().Replace(config, m =>
        {
            var index = direct++;
            if (index >= cluster.C2sInstances.Count) return $"    # server {m.Groups[2].Value}: not in this cluster";
            var c2s = cluster.C2sInstances[index];
            return $"{m.Groups[1].Value}127.0.0.1:{cluster.PortOf(c2s)}{m.Groups[4].Value}{cluster.MetricsPortOf(c2s)}{m.Groups[5].Value}";
        });
        var replaced = 0;
        config = ServerLine().Replace(config, m =>
        {
            var index = replaced++;
            if (index >= cluster.C2sInstances.Count && fewerServers) return $"    # server {m.Groups[2].Value}: not in this cluster";
            if (index >= cluster.C2sInstances.Count) throw new InvalidOperationException("deploy/haproxy.cfg names more c2s than the cluster has");
            var c2s = cluster.C2sInstances[index];
            return $"{m.Groups[1].Value}127.0.0.1:{cluster.PortOf(c2s)}{m.Groups[4].Value}{cluster.MetricsPortOf(c2s)}{m.Groups[5].Value}";
        });
        if (replaced != cluster.C2sInstances.Count && !(fewerServers && replaced > cluster.C2sInstances.Count))
            throw new InvalidOperationException($"deploy/haproxy.cfg has {replaced} c2s servers, the cluster {cluster.C2sInstances.Count}");
        return config;
    }

    public static async Task<Haproxy> StartAsync(Cluster cluster, bool fewerServers = false)
    {
        var directory = Path.Combine(Path.GetTempPath(), "xmpp-haproxy-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var port = FreePort.Pick();
        var config = Render(File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "haproxy.cfg")), cluster, port, Path.Combine(directory, "stats.sock"), fewerServers);
        var file = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(file, config);

        var executable = File.Exists("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy"; // sbin is not always on PATH
        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-db", "-f", file }) info.ArgumentList.Add(a); // -db: foreground, logs to stdout
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("haproxy did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("haproxy is not installed (Debian package haproxy; tools/test.sh installs it)", e);
        }
        var haproxy = new Haproxy(process, directory, port);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (haproxy._lines) haproxy._lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (haproxy._lines) haproxy._lines.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return haproxy;
    }

    /// <summary>Waits (bounded) until HAProxy accepts clients and its health checks report every c2s server UP.</summary>
    public async Task WaitUntilAllServersUpAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(50);
        string status = "";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"haproxy exited with code {_process.ExitCode}:\n{Output}");
            try
            {
                status = await CommandAsync("show stat");
                var servers = status.Split('\n').Where(l => l.StartsWith("c2s,", StringComparison.Ordinal) && !l.StartsWith("c2s,BACKEND", StringComparison.Ordinal))
                    .Select(l => l.Split(',')).ToArray();
                if (servers.Length > 0 && servers.All(f => f.Length > 17 && f[17] == "UP")) return;
            }
            catch (SocketException)
            {
                // not listening yet
            }
            await Task.Delay(delay); // HAProxy's checks run on their own interval; nothing to await but its stats
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
        throw new TimeoutException($"haproxy's c2s servers were not all UP within {timeout.TotalSeconds:0} s:\n{status}\n{Output}");
    }

    /// <summary>One command on the stats socket (HAProxy's runtime API), its whole answer.</summary>
    public async Task<string> CommandAsync(string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(StatsSocket), cts.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), cts.Token);
        var answer = new StringBuilder();
        var buffer = new byte[8192];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, cts.Token)) > 0) answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
        return answer.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.StopAsync(_process);
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }
}
