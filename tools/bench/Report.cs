using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Xmpp.Bench;

/// <summary>One run's result: printed as one human line and one JSON line (prefixed "JSON ").</summary>
internal sealed class Report(string scenario, string label)
{
    private readonly List<KeyValuePair<string, object?>> _fields =
    [
        new("scenario", scenario),
        new("server", label),
        new("time", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
    ];

    public readonly StringBuilder Human = new($"{scenario} [{label}]: ");

    public Report Set(string key, object? value)
    {
        _fields.Add(new(key, value is double d ? Math.Round(d, 3) : value));
        return this;
    }

    public void Print(TextWriter w)
    {
        w.WriteLine(Human.ToString());
        var dict = new Dictionary<string, object?>();
        foreach (var (k, v) in _fields) dict[k] = v;
        w.WriteLine("JSON " + JsonSerializer.Serialize(dict));
        w.Flush();
    }

    public static string Ms(long micros) => (micros / 1000.0).ToString("0.0", CultureInfo.InvariantCulture);
    public static string F(double v, string format = "0.0") => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>"xmpp-c2s 3.1, xmpp-sm 1.2" from a CPU split, heaviest first.</summary>
    public static string Split(Dictionary<string, double> split) =>
        string.Join(", ", split.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key.Split(':')[0]} {F(kv.Value, "0.00")}"));
}
