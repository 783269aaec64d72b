using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Xmpp.Common.Sasl;

namespace Xmpp.Bench;

/// <summary>
/// The client's SCRAM salted-password cache (RFC 5802 §5.1 lets a client keep SaltedPassword for
/// later logins to the same service; mobile clients do). The server's work at login does not
/// change; the load generator's does (a 4096-round PBKDF2 per login would otherwise cost it about
/// as much CPU as the server spends). Keyed by mechanism, salt, iterations and password; kept in a
/// file between runs when --scram-cache names one.
/// </summary>
internal sealed class ScramCache
{
    private readonly ConcurrentDictionary<string, byte[]> _map = new(StringComparer.Ordinal);
    private readonly string? _path;
    private readonly bool _enabled;
    private int _added;
    public long Hits;
    public long Misses;

    public ScramCache(string? path, bool enabled)
    {
        _path = path;
        _enabled = enabled;
        if (!enabled || path is null || !File.Exists(path)) return;
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ');
            if (parts.Length == 2) _map[parts[0]] = Convert.FromBase64String(parts[1]);
        }
    }

    public int Count => _map.Count;

    private static string Key(ScramAlgorithm alg, string password, byte[] salt, int iterations)
    {
        // The password enters the key only as a hash, so the cache file never holds it.
        var pw = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(password)), 0, 8);
        return $"{alg.Mechanism}|{iterations}|{Convert.ToBase64String(salt)}|{pw}";
    }

    public byte[] SaltedPassword(ScramAlgorithm alg, string password, byte[] salt, int iterations)
    {
        if (!_enabled) { Interlocked.Increment(ref Misses); return alg.SaltedPassword(password, salt, iterations); }
        var key = Key(alg, password, salt, iterations);
        if (_map.TryGetValue(key, out var salted)) { Interlocked.Increment(ref Hits); return salted; }
        Interlocked.Increment(ref Misses);
        salted = alg.SaltedPassword(password, salt, iterations);
        if (_map.TryAdd(key, salted)) Interlocked.Increment(ref _added);
        return salted;
    }

    public void Put(ScramAlgorithm alg, string password, byte[] salt, int iterations, byte[] salted)
    {
        if (_enabled && _map.TryAdd(Key(alg, password, salt, iterations), salted)) Interlocked.Increment(ref _added);
    }

    public void Save()
    {
        if (!_enabled || _path is null || Volatile.Read(ref _added) == 0) return;
        // Merge what another process (an idle worker) saved meanwhile, then replace the file.
        if (File.Exists(_path))
            foreach (var line in File.ReadLines(_path))
                if (line.Split(' ') is [var k, var v]) _map.TryAdd(k, Convert.FromBase64String(v));
        var tmp = $"{_path}.{Environment.ProcessId}.tmp";
        using (var w = new StreamWriter(tmp))
            foreach (var (k, v) in _map) w.WriteLine($"{k} {Convert.ToBase64String(v)}");
        File.Move(tmp, _path, overwrite: true);
    }
}

internal sealed class BenchException(string message) : Exception(message);
