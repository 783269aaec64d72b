using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Xmpp.Bench;

/// <summary>What /proc says about one process: resident memory and CPU time.</summary>
internal readonly record struct ProcSample(int Pid, string Name, long RssKiB, double CpuSeconds);

/// <summary>
/// The server's processes, named by pid (their descendants included, so a launcher's pid covers
/// the workers it forks), read from /proc: VmRSS and utime+stime.
/// </summary>
internal sealed class ServerProcs
{
    private static readonly double ClockTicks = 100.0; // USER_HZ: 100 on Linux everywhere we run
    private readonly int[] _roots;
    private readonly Regex? _match;

    public ServerProcs(IEnumerable<int> roots, Regex? match)
    {
        _roots = roots.ToArray();
        _match = match;
    }

    public bool Any => _roots.Length > 0 || _match is not null;

    /// <summary>--server-pids 1,2,3 | --server-pidfile f[,f2] | --server-match REGEX (against /proc/pid/cmdline).</summary>
    public static ServerProcs FromOptions(Options o)
    {
        var pids = new List<int>();
        foreach (var p in o.Str("server-pids", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            pids.Add(int.TryParse(p, out var pid) ? pid : throw new UsageException($"--server-pids: '{p}' is not a pid"));
        foreach (var f in o.Str("server-pidfile", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            foreach (var line in File.ReadAllLines(f))
                if (int.TryParse(line.Trim(), out var pid)) pids.Add(pid);
        }
        var match = o.StrOrNull("server-match") is { Length: > 0 } m ? new Regex(m, RegexOptions.CultureInvariant) : null;
        return new ServerProcs(pids, match);
    }

    /// <summary>The pids to measure now: the roots, their living descendants, and matching processes.</summary>
    public List<int> Pids()
    {
        var all = new List<(int Pid, int Parent)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            var stat = ReadStat(pid);
            if (stat is null) continue;
            all.Add((pid, stat.Value.Parent));
        }
        var chosen = new HashSet<int>(_roots.Where(p => all.Any(a => a.Pid == p)));
        if (_match is not null)
        {
            var self = Environment.ProcessId;
            foreach (var (pid, _) in all)
            {
                if (pid == self) continue;
                try
                {
                    var cmd = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
                    if (_match.IsMatch(cmd)) chosen.Add(pid);
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
        bool grew;
        do
        {
            grew = false;
            foreach (var (pid, parent) in all)
                if (chosen.Contains(parent) && chosen.Add(pid)) grew = true;
        } while (grew);
        return [.. chosen.Order()];
    }

    public List<ProcSample> Sample()
    {
        var list = new List<ProcSample>();
        foreach (var pid in Pids())
        {
            var stat = ReadStat(pid);
            if (stat is null) continue;
            list.Add(new ProcSample(pid, stat.Value.Name, ReadRssKiB(pid), stat.Value.Cpu));
        }
        return list;
    }

    private static (string Name, int Parent, double Cpu)? ReadStat(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        var open = text.IndexOf('(');
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open) return null;
        var name = text[(open + 1)..close];
        if (name == "dotnet") name = DllName(pid) ?? name;
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] = state (field 3), [1] = ppid (4), [11] = utime (14), [12] = stime (15)
        if (fields.Length < 13) return null;
        var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
        var cpu = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicks;
        return (name, parent, cpu);
    }

    /// <summary>For a `dotnet x.dll` process, "x": the process names of ours are all "dotnet".</summary>
    private static string? DllName(int pid)
    {
        try
        {
            foreach (var arg in File.ReadAllText($"/proc/{pid}/cmdline").Split('\0'))
                if (arg.EndsWith(".dll", StringComparison.Ordinal)) return Path.GetFileNameWithoutExtension(arg);
        }
        catch (IOException) { }
        return null;
    }

    public static long ReadRssKiB(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        return 0;
    }

    /// <summary>This process's own CPU time (user + system), in seconds.</summary>
    public static double SelfCpu()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime.TotalSeconds;
    }
}

/// <summary>CPU per server process between two samples: the CPU split that says which part works hardest.</summary>
internal static class CpuSplit
{
    public static Dictionary<string, double> Between(List<ProcSample> before, List<ProcSample> after)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var a in after)
        {
            var b = before.FirstOrDefault(x => x.Pid == a.Pid);
            var cpu = a.CpuSeconds - (b.Pid == a.Pid ? b.CpuSeconds : 0);
            var key = $"{a.Name}:{a.Pid}";
            result[key] = Math.Round(cpu, 2);
        }
        return result;
    }
}
