using System.Globalization;
using System.Net;

namespace Xmpp.Bench;

/// <summary>
/// Command-line options: <c>--name value</c> or <c>--name=value</c>, flags as <c>--name</c> alone
/// when listed as flags. Unknown names are an error, so a typo never silently runs the default.
/// </summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public static readonly HashSet<string> Flags = ["plain-tls", "no-starttls", "no-scram-cache", "tls-resume", "no-presence", "help"];

    public Options(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var arg = list[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new UsageException($"unexpected argument '{arg}'");
            var eq = arg.IndexOf('=');
            var name = eq < 0 ? arg[2..] : arg[2..eq];
            string value;
            if (eq >= 0) value = arg[(eq + 1)..];
            else if (Flags.Contains(name)) value = "true";
            else if (i + 1 < list.Count) value = list[++i];
            else throw new UsageException($"option --{name} needs a value");
            _values[name] = value;
        }
    }

    public bool Has(string name) { _used.Add(name); return _values.ContainsKey(name); }

    public string Str(string name, string fallback) { _used.Add(name); return _values.TryGetValue(name, out var v) ? v : fallback; }

    public string? StrOrNull(string name) { _used.Add(name); return _values.TryGetValue(name, out var v) ? v : null; }

    public bool Flag(string name) { _used.Add(name); return _values.TryGetValue(name, out var v) && v is "true" or "1" or "yes"; }

    public int Int(string name, int fallback)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out var v)) return fallback;
        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? n : throw new UsageException($"--{name} needs a non-negative integer, got '{v}'");
    }

    public double Double(string name, double fallback)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out var v)) return fallback;
        return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0
            ? d : throw new UsageException($"--{name} needs a non-negative number, got '{v}'");
    }

    /// <summary>Throws for options given but never asked for by the command.</summary>
    public void RejectUnknown()
    {
        foreach (var name in _values.Keys)
            if (!_used.Contains(name)) throw new UsageException($"unknown option --{name}");
    }

    /// <summary>"host:port[,host:port...]" (host an IPv4/IPv6 literal or "localhost").</summary>
    public static IPEndPoint[] ParseEndpoints(string text)
    {
        var list = new List<IPEndPoint>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.LastIndexOf(':');
            if (colon <= 0) throw new UsageException($"--server needs host:port, got '{part}'");
            var host = part[..colon].Trim('[', ']');
            if (host == "localhost") host = "127.0.0.1";
            if (!IPAddress.TryParse(host, out var ip)) throw new UsageException($"--server host must be an IP address (loopback), got '{host}'");
            if (!IPAddress.IsLoopback(ip)) throw new UsageException($"--server must be a loopback address (127.0.0.0/8 or ::1), got '{ip}'");
            if (!int.TryParse(part[(colon + 1)..], out var port) || port is <= 0 or > 65535) throw new UsageException($"bad port in '{part}'");
            list.Add(new IPEndPoint(ip, port));
        }
        if (list.Count == 0) throw new UsageException("--server is empty");
        return [.. list];
    }
}

internal sealed class UsageException(string message) : Exception(message);
