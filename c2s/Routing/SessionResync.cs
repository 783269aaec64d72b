using Xmpp.C2s.Connections;
using Xmpp.C2s.Telemetry;
using Xmpp.Common.Link;
using Xmpp.Protos;

namespace Xmpp.C2s.Routing;

/// <summary>
/// The resync after the router or sm came back (protos/router.proto, SessionEntry): c2s states
/// every session it holds in SYNC (chunks of <see cref="ChunkSize"/>); sm answers, per chunk,
/// those it does not hold, and ends those of this c2s it holds that were not named. c2s
/// re-attaches the sessions sm lacks and lets the others go on (what they held goes out).
/// </summary>
public sealed class SessionResync(SmConnector connector, ConnectionRegistry registry, ILogger logger)
{
    public const int ChunkSize = 1000;
    private const int Attempts = 3;

    /// <summary>Runs one resync; retried (<see cref="Attempts"/> times) when sm does not answer.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            try
            {
                await RunOnceAsync(ct);
                return;
            }
            catch (Exception e) when (e is IOException or TimeoutException)
            {
                C2sTelemetry.Resynced("failed");
                logger.LogWarning("Session resync with {Sm} failed (attempt {Attempt} of {Attempts}): {Error}", connector.SmAddress, attempt, Attempts, e.Message);
                if (attempt < Attempts) await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
        logger.LogError("Session resync with {Sm} gave up; sessions waiting for sm end after C2s:SmGracePeriod", connector.SmAddress);
    }

    private async Task RunOnceAsync(CancellationToken ct)
    {
        var listed = new List<(ClientConnection Connection, SessionEntry Entry)>();
        foreach (var connection in registry.Enumerate())
            if (connection.SyncEntry() is { } entry) listed.Add((connection, entry));
        var unknown = 0;
        for (var start = 0; start == 0 || start < listed.Count; start += ChunkSize)
        {
            var chunk = listed.Skip(start).Take(ChunkSize).ToList();
            var sync = new Session { Action = Session.Types.Action.Sync, More = start + ChunkSize < listed.Count };
            sync.Sessions.AddRange(chunk.Select(c => c.Entry));
            var answer = await connector.Link.RequestAsync(new Frame { To = connector.SmAddress, Session = sync }, ct);
            if (answer.Session is not { Action: Session.Types.Action.Synced, Failed: false } synced)
                throw new IOException($"sm answered SYNC with {answer.Session?.Action} {answer.Session?.Reason}{answer.RouteError?.Reason}");
            var missing = synced.Sessions.Select(s => s.C2SSession).ToHashSet(StringComparer.Ordinal);
            foreach (var (connection, entry) in chunk)
            {
                if (entry.SmSession.Length == 0) continue; // its START is on the way; STARTED (or a failure) settles it
                if (missing.Contains(entry.C2SSession))
                {
                    unknown++;
                    connection.Reattach();
                }
                else connection.ResumeWithSm();
            }
        }
        C2sTelemetry.Resynced("done");
        logger.LogInformation("Session resync with {Sm}: {Count} sessions stated, {Unknown} re-attached", connector.SmAddress, listed.Count, unknown);
    }
}
