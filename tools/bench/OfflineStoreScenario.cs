using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Xmpp.Bench;

/// <summary>
/// What sm's durable offline store costs: the same SQLite work as one offline store in sm
/// (WAL, one transaction reading the account's message count and bytes, then inserting the
/// stanza, then committing), in a timed loop on one connection, with synchronous=FULL (sm's
/// setting) and synchronous=NORMAL (the earlier one) alternately. No server runs.
/// <c>xmpp-bench offline-store [--seconds 5] [--rounds 3] [--size 300] [--dir DIR]</c>; the
/// database goes to DIR (default the temp folder; it must be on the disk whose fsync is measured).
/// </summary>
internal static class OfflineStoreScenario
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS offline_messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, stored_at TEXT NOT NULL, stanza BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS offline_messages_by_user ON offline_messages (user, id);
        """;

    public static int Run(Options options)
    {
        var seconds = options.Double("seconds", 5);
        var rounds = options.Int("rounds", 3);
        var size = options.Int("size", 300);
        var dir = options.Str("dir", Path.GetTempPath());
        options.RejectUnknown();

        var stanza = new byte[size];
        Array.Fill(stanza, (byte)'x');
        for (var round = 1; round <= rounds; round++)
            foreach (var mode in new[] { "FULL", "NORMAL" })
            {
                var path = Path.Combine(dir, $"xmpp-bench-offline-{Environment.ProcessId}-{mode}.db");
                try
                {
                    var (count, latencies) = Measure(path, mode, stanza, TimeSpan.FromSeconds(seconds));
                    latencies.Sort();
                    var rate = count / seconds;
                    var p50 = latencies[latencies.Count / 2];
                    var p99 = latencies[Math.Min(latencies.Count - 1, latencies.Count * 99 / 100)];
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"round {round} synchronous={mode}: {rate:0} offline stores/s ({size}-byte stanzas), per store p50 {p50:0.000} ms, p99 {p99:0.000} ms"));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"JSON {{\"scenario\":\"offline-store\",\"round\":{round},\"synchronous\":\"{mode}\",\"stores_per_s\":{rate:0},\"p50_ms\":{p50:0.000},\"p99_ms\":{p99:0.000},\"size\":{size}}}"));
                }
                finally
                {
                    SqliteConnection.ClearAllPools();
                    foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(path + suffix);
                }
            }
        return 0;
    }

    private static (long Count, List<double> LatenciesMs) Measure(string path, string mode, byte[] stanza, TimeSpan duration)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        Exec(db, $"PRAGMA journal_mode = WAL; PRAGMA synchronous = {mode};");
        Exec(db, Schema);

        using var usage = db.CreateCommand();
        usage.CommandText = "SELECT COUNT(*), COALESCE(SUM(LENGTH(stanza)), 0) FROM offline_messages WHERE user = $user";
        var usageUser = usage.Parameters.Add("$user", SqliteType.Text);
        using var insert = db.CreateCommand();
        insert.CommandText = "INSERT INTO offline_messages (user, stored_at, stanza) VALUES ($user, $at, $stanza)";
        var insertUser = insert.Parameters.Add("$user", SqliteType.Text);
        var at = insert.Parameters.Add("$at", SqliteType.Text);
        insert.Parameters.AddWithValue("$stanza", stanza);

        var latencies = new List<double>();
        var total = Stopwatch.StartNew();
        long count = 0;
        while (total.Elapsed < duration)
        {
            var start = Stopwatch.GetTimestamp();
            var user = $"user{count % 1000}@localhost";
            using (var tx = db.BeginTransaction())
            {
                usage.Transaction = tx;
                insert.Transaction = tx;
                usageUser.Value = user;
                using (var reader = usage.ExecuteReader()) reader.Read();
                insertUser.Value = user;
                at.Value = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
                insert.ExecuteNonQuery();
                tx.Commit();
            }
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            count++;
        }
        return (count, latencies);
    }

    private static void Exec(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
