using System.Diagnostics;
using System.Text;
using Xmpp.Common.Sasl;

namespace Xmpp.Bench;

/// <summary>
/// provision-prosody: writes Prosody's internal_hashed account files directly
/// (&lt;data&gt;/&lt;host&gt;/accounts/&lt;user&gt;.dat, what `prosodyctl register` would write: a
/// random UUID salt, the iteration count, hex stored and server keys), for thousands of accounts
/// in seconds instead of one prosodyctl start per account. The salted passwords go to the SCRAM cache.
/// </summary>
internal static class ProvisionCommand
{
    public static async Task<int> ProsodyAsync(Options o, CancellationToken ct)
    {
        var dir = o.StrOrNull("dir") ?? throw new UsageException("--dir <data_path>/<host>/accounts is required");
        var count = o.Int("users", 100);
        var first = o.Int("first", 1);
        var prefix = o.Str("prefix", "bench");
        var password = o.Str("password", "bench-secret");
        var iterations = Math.Max(1, o.Int("iterations", ScramAlgorithm.DefaultIterations));
        var alg = o.Str("hash", "SHA-256") switch
        {
            "SHA-256" => ScramAlgorithm.Sha256,
            "SHA-1" => ScramAlgorithm.Sha1,
            var h => throw new UsageException($"--hash must be SHA-256 or SHA-1, got {h}"),
        };
        var cachePath = o.Str("scram-cache", "");
        o.RejectUnknown();
        var cache = new ScramCache(cachePath.Length > 0 ? cachePath : null, cachePath.Length > 0);
        Directory.CreateDirectory(dir);
        var sw = Stopwatch.StartNew();
        await Parallel.ForAsync(first, first + count, new ParallelOptions { CancellationToken = ct }, async (n, token) =>
        {
            var salt = Guid.NewGuid().ToString();
            var saltBytes = Encoding.UTF8.GetBytes(salt);
            var salted = alg.SaltedPassword(password, saltBytes, iterations);
            var clientKey = alg.Hmac(salted, "Client Key");
            var stored = Convert.ToHexStringLower(alg.H(clientKey));
            var server = Convert.ToHexStringLower(alg.Hmac(salted, "Server Key"));
            cache.Put(alg, password, saltBytes, iterations, salted);
            var text = $"return {{\n\t[\"iteration_count\"] = {iterations};\n\t[\"salt\"] = \"{salt}\";\n\t[\"server_key\"] = \"{server}\";\n\t[\"stored_key\"] = \"{stored}\";\n}};\n";
            await File.WriteAllTextAsync(Path.Combine(dir, $"{prefix}{n}.dat"), text, token);
        });
        cache.Save();
        Console.WriteLine($"provision-prosody: {count} accounts ({prefix}{first}..{prefix}{first + count - 1}, {alg.Mechanism}, {iterations} iterations) in {dir} in {sw.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }

    /// <summary>
    /// provision-ejabberd: registers accounts through ejabberd's HTTP API (mod_http_api "register",
    /// allowed from loopback by the bench config), many requests at once; ejabberd derives and stores
    /// the SCRAM keys itself. "already registered" counts as done; other failures are retried twice.
    /// </summary>
    public static async Task<int> EjabberdAsync(Options o, CancellationToken ct)
    {
        var api = o.Str("api", "http://127.0.0.1:5280/api").TrimEnd('/');
        var domain = o.Str("domain", "localhost");
        var count = o.Int("users", 100);
        var first = o.Int("first", 1);
        var prefix = o.Str("prefix", "bench");
        var password = o.Str("password", "bench-secret");
        var parallel = Math.Max(1, o.Int("parallel", 8));
        o.RejectUnknown();
        if (!Uri.TryCreate(api, UriKind.Absolute, out var uri) || !System.Net.IPAddress.TryParse(uri.Host, out var ip) || !System.Net.IPAddress.IsLoopback(ip))
            throw new UsageException("--api must be an http URL on a loopback address");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        int created = 0, existed = 0, failed = 0;
        string? lastError = null;
        var sw = Stopwatch.StartNew();
        await Parallel.ForAsync(first, first + count, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct }, async (n, token) =>
        {
            var body = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["user"] = $"{prefix}{n}", ["host"] = domain, ["password"] = password });
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    using var response = await http.PostAsync($"{api}/register", new StringContent(body, Encoding.UTF8, "application/json"), token);
                    var text = await response.Content.ReadAsStringAsync(token);
                    if (response.IsSuccessStatusCode) { Interlocked.Increment(ref created); return; }
                    if (text.Contains("already registered", StringComparison.Ordinal)) { Interlocked.Increment(ref existed); return; }
                    lastError = $"{(int)response.StatusCode} {text}";
                }
                catch (HttpRequestException e) { lastError = e.Message; }
                if (attempt == 2) { Interlocked.Increment(ref failed); return; }
                await Task.Delay(200, token);
            }
        });
        Console.WriteLine($"provision-ejabberd: {created} created, {existed} existed, {failed} failed of {count} ({prefix}{first}..{prefix}{first + count - 1}@{domain}) in {sw.Elapsed.TotalSeconds:0.0} s" +
                          (lastError is null ? "" : $"; last error: {lastError}"));
        return failed == 0 ? 0 : 1;
    }
}
