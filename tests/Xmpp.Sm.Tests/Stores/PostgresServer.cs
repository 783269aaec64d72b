using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Xmpp.Testing;

/// <summary>
/// A real PostgreSQL server for tests: Debian's postgresql package (initdb and pg_ctl from
/// /usr/lib/postgresql/*/bin, or PATH) in a temporary directory, listening on 127.0.0.1 on a free
/// port (its unix socket in that directory too), SCRAM password authentication with a password
/// generated for the run. PostgreSQL refuses to run as root: as root, its commands run as the
/// unprivileged 'postgres' user (or 'nobody') through setpriv. <see cref="Dispose"/> stops it and
/// removes the directory. A server that cannot start throws with the reason (and its log).
/// fsync is off: the tests check transactions, not the disk (the server is never killed).
/// Shared by tests/Xmpp.Sm.Tests and tests/Xmpp.Integration.Tests (linked file).
/// </summary>
public sealed class PostgresServer : IDisposable
{
    public const string User = "xmpp";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    private readonly string _bin;
    private readonly (string Uid, string Gid)? _runAs;
    private bool _running;

    public string Directory { get; }
    public int Port { get; private set; }
    public string Password { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
    private string DataDirectory => Path.Combine(Directory, "data");
    private string LogFile => Path.Combine(Directory, "server.log");

    private PostgresServer(string bin, (string, string)? runAs)
    {
        _bin = bin;
        _runAs = runAs;
        Directory = Path.Combine(Path.GetTempPath(), "xmpp-pg-" + Guid.NewGuid().ToString("N")[..12]);
    }

    /// <summary>Initializes and starts a server; throws <see cref="InvalidOperationException"/> saying why it could not.</summary>
    public static PostgresServer Start()
    {
        var server = Initialize();
        try
        {
            server.Run();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Initializes a server (its data directory, password and port) without starting it: <see cref="Run"/> does.</summary>
    public static PostgresServer Initialize()
    {
        var server = new PostgresServer(FindBinaries(), IsRoot() ? UnprivilegedUser() : null);
        try
        {
            server.InitDb();
            server.Port = FreePort();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>An Npgsql connection string for <paramref name="database"/> (the server's own "postgres" database by default).</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username={User};Password={Password};Database={database}";

    private void InitDb()
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (_runAs is not null && !OperatingSystem.IsWindows()) File.SetUnixFileMode(Directory, (UnixFileMode)0x1FF); // rwxrwxrwx: the server's user creates data/ and its socket here
        var passwordFile = Path.Combine(Directory, "password");
        File.WriteAllText(passwordFile, Password + "\n");
        if (_runAs is not null && !OperatingSystem.IsWindows()) File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Run("initdb", "-D", DataDirectory, "-U", User, "--pwfile=" + passwordFile, "-A", "scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync");
        File.Delete(passwordFile);
    }

    /// <summary>Starts the initialized server on <see cref="Port"/> (another free one if that was taken meanwhile) and returns once it accepts connections.</summary>
    public void Run()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Run("pg_ctl", "-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o",
                    $"-c listen_addresses=127.0.0.1 -p {Port} -k {Directory} -c fsync=off -c full_page_writes=off -c shared_buffers=16MB -c max_connections=300",
                    "start");
                _running = true;
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && ReadLog().Contains("could not bind", StringComparison.Ordinal))
            {
                Port = FreePort();
            }
        }
    }

    public void Dispose()
    {
        if (_running)
        {
            _running = false;
            try
            {
                Run("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "stop");
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"PostgresServer: stopping the test server failed: {e.Message}");
            }
        }
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string ReadLog() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    /// <summary>Runs one of PostgreSQL's programs (as the unprivileged user when needed); throws with its output and the server log when it fails.</summary>
    private void Run(string program, params string[] args)
    {
        var path = Path.Combine(_bin, program);
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Directory };
        if (_runAs is { } user)
        {
            start.FileName = "setpriv";
            foreach (var a in new[] { "--reuid=" + user.Uid, "--regid=" + user.Gid, "--clear-groups", "--", path }) start.ArgumentList.Add(a);
        }
        else start.FileName = path;
        foreach (var a in args) start.ArgumentList.Add(a);
        var (code, output) = Execute(start);
        if (code != 0)
            throw new InvalidOperationException(
                $"PostgreSQL test server: `{program} {string.Join(' ', args)}` failed (exit {code}): {output.Trim()}\n--- server log ---\n{ReadLog()}");
    }

    private static (int Code, string Output) Execute(ProcessStartInfo start)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"PostgreSQL test server: {start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {CommandTimeout}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string Output(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        var (code, output) = Execute(start);
        if (code != 0) throw new InvalidOperationException($"PostgreSQL test server: `{file} {string.Join(' ', args)}` failed: {output.Trim()}");
        return output.Trim();
    }

    private static bool IsRoot() => Output("id", "-u") == "0";

    /// <summary>The user the server runs as when the tests run as root: Debian's 'postgres' (made by the package), else 'nobody'.</summary>
    private static (string Uid, string Gid) UnprivilegedUser()
    {
        foreach (var name in new[] { "postgres", "nobody" })
        {
            try
            {
                return (Output("id", "-u", name), Output("id", "-g", name));
            }
            catch (InvalidOperationException)
            {
            }
        }
        throw new InvalidOperationException("PostgreSQL test server: running as root, and neither user 'postgres' nor 'nobody' exists to run PostgreSQL as (it refuses root)");
    }

    /// <summary>The folder of initdb, pg_ctl and postgres: the newest /usr/lib/postgresql/N/bin, else initdb's folder on PATH.</summary>
    private static string FindBinaries()
    {
        const string debian = "/usr/lib/postgresql";
        if (System.IO.Directory.Exists(debian))
        {
            var newest = System.IO.Directory.GetDirectories(debian)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Dir, "initdb")) && File.Exists(Path.Combine(d.Dir, "pg_ctl")))
                .OrderByDescending(d => d.Version)
                .FirstOrDefault();
            if (newest.Dir is not null) return newest.Dir;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var initdb = Path.Combine(dir, "initdb");
            if (!File.Exists(initdb)) continue;
            var target = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb;
            return Path.GetDirectoryName(target)!;
        }
        throw new InvalidOperationException("PostgreSQL test server: initdb not found in /usr/lib/postgresql/*/bin or on PATH; install Debian's postgresql package (tools/test.sh does)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
