using System.Diagnostics;
using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Xmpp.Common.Link;
using Xmpp.Common.Sasl;
using Xmpp.Protos;

namespace Xmpp.Bench;

/// <summary>
/// register: creates accounts prefix&lt;first&gt;..prefix&lt;first+n-1&gt; on our server the way
/// xmppctl adduser does (a ctl/&lt;hex&gt; router link with the admin certificate of --pki DIR, CREATE with salted SCRAM-SHA-1 and
/// SCRAM-SHA-256 credentials at 4096 iterations, a fresh salt per account), but many at once:
/// the key derivations run on every core and the requests overlap. An existing account counts
/// as done. The salted passwords go to the --scram-cache file, so the first login run does not
/// spend the load generator's CPU deriving them again.
/// </summary>
internal static class RegisterCommand
{
    public static async Task<int> RunAsync(Options o, CancellationToken ct)
    {
        var router = o.Str("router", "https://127.0.0.1:5347");
        var pki = new Xmpp.Common.Pki.PkiLayout(o.Str("pki", "data/pki")); // the admin certificate, as `xmppctl --pki`
        var domain = o.Str("domain", "localhost");
        var count = o.Int("users", 100);
        var first = o.Int("first", 1);
        var prefix = o.Str("prefix", "bench");
        var password = o.Str("password", "bench-secret");
        var parallel = Math.Max(1, o.Int("parallel", 32));
        var cachePath = o.Str("scram-cache", "");
        o.RejectUnknown();
        var cache = new ScramCache(cachePath.Length > 0 ? cachePath : null, cachePath.Length > 0);

        var address = $"ctl/bench-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        var linkOptions = new RouterLinkOptions
        {
            Address = router, RequestTimeout = TimeSpan.FromSeconds(60),
            CaCertificate = pki.CaCertificate, Certificate = pki.AdminCertificate, CertificateKey = pki.AdminKey,
        };
        var link = new RouterLink([address], linkOptions, NullLogger.Instance, _ => ValueTask.CompletedTask);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = link.RunAsync(stop.Token);
        try
        {
            await link.WaitUpAsync(ct).WaitAsync(TimeSpan.FromSeconds(15), ct);
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine($"error: router not reachable at {router}");
            return 1;
        }

        int created = 0, existed = 0, failed = 0;
        string? lastError = null;
        var sw = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(first, count), new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct },
            async (n, token) =>
            {
                var credentials = new Credentials();
                foreach (var alg in new[] { ScramAlgorithm.Sha1, ScramAlgorithm.Sha256 })
                {
                    var salt = RandomNumberGenerator.GetBytes(16);
                    var salted = alg.SaltedPassword(password, salt, ScramAlgorithm.DefaultIterations);
                    var clientKey = alg.Hmac(salted, "Client Key");
                    credentials.Scram.Add(new ScramCredential
                    {
                        Mechanism = alg.Mechanism,
                        Salt = ByteString.CopyFrom(salt),
                        Iterations = ScramAlgorithm.DefaultIterations,
                        StoredKey = ByteString.CopyFrom(alg.H(clientKey)),
                        ServerKey = ByteString.CopyFrom(alg.Hmac(salted, "Server Key")),
                    });
                    cache.Put(alg, password, salt, ScramAlgorithm.DefaultIterations, salted);
                }
                var request = new Session { Action = Session.Types.Action.Create, Target = $"{prefix}{n}@{domain}", Credentials = credentials };
                try
                {
                    var answer = await link.RequestAsync(new Frame { To = $"sm/{domain}", Session = request }, token);
                    if (answer.Session is { Failed: false, Action: Session.Types.Action.Created }) Interlocked.Increment(ref created);
                    else if (answer.Session is { Failed: true, Reason: "conflict" }) Interlocked.Increment(ref existed);
                    else { Interlocked.Increment(ref failed); lastError = answer.Session?.Reason ?? answer.RouteError?.Reason ?? "?"; }
                }
                catch (Exception e) when (e is TimeoutException or IOException)
                {
                    Interlocked.Increment(ref failed);
                    lastError = e.Message;
                }
            });
        cache.Save();
        Console.WriteLine($"register: {created} created, {existed} existed, {failed} failed of {count} ({prefix}{first}..{prefix}{first + count - 1}@{domain}) in {sw.Elapsed.TotalSeconds:0.0} s" +
                          (lastError is null ? "" : $"; last error: {lastError}"));
        stop.Cancel();
        try { await run.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }
        await link.DisposeAsync();
        return failed == 0 ? 0 : 1;
    }
}
