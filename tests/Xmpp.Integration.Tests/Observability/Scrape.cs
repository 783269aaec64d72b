using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Xmpp.Integration.Tests.Observability;

/// <summary>Reads a process's Prometheus /metrics and /health endpoints (HTTP/1.1 on its metrics port).</summary>
public static partial class Scrape
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static Task<string> MetricsAsync(int port) => Http.GetStringAsync($"http://127.0.0.1:{port}/metrics");

    public static async Task<(HttpStatusCode Status, string Body)> GetAsync(int port, string path)
    {
        using var response = await Http.GetAsync($"http://127.0.0.1:{port}{path}");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Sample();

    /// <summary>The sum of the samples of <paramref name="metric"/> whose labels include every one of <paramref name="labels"/> (k="v"); null if none.</summary>
    public static double? Value(string exposition, string metric, params string[] labels)
    {
        double? sum = null;
        foreach (Match m in Sample().Matches(exposition))
        {
            if (m.Groups["name"].Value != metric) continue;
            var have = m.Groups["labels"].Value;
            if (!labels.All(l => have.Contains(l, StringComparison.Ordinal))) continue;
            sum = (sum ?? 0) + double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return sum;
    }

    /// <summary>Polls /metrics until <paramref name="check"/> holds (bounded); returns the last exposition.</summary>
    public static async Task<string> UntilAsync(int port, Func<string, bool> check, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var text = await MetricsAsync(port);
            if (check(text)) return text;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"/metrics on port {port} never showed {what} within {timeout.TotalSeconds:0} s:\n{text}");
            await Task.Delay(delay); // metrics have no change notification: poll, backing off
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }
}
