using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Hosting;

/// <summary>
/// Group commit: the frames waiting in sm's inbox (up to <see cref="SmOptions.GroupCommitFrames"/>)
/// are handled inside one storage transaction, committed (synchronous=FULL: one fsync for all of
/// them), and only then are the frames they caused sent (<see cref="HeldFrameSink"/>). An idle sm
/// commits after every frame; a busy one pays one fsync per batch instead of one per write. Every
/// store call and module operation inside is still atomic by itself (a savepoint).
/// </summary>
public sealed class GroupCommit(SessionManager sm, IStorageTransactions storage, Func<long> writesBegun, HeldFrameSink sink, int maxFrames, ILogger logger)
{
    /// <summary>
    /// Handles <paramref name="first"/> and whatever else is already waiting, then commits and
    /// releases the output. When a frame wrote something, the rest runs off the link's reading
    /// thread (sm's consumer otherwise runs on it when idle), so that frames arriving while this
    /// batch commits queue up and join the next one.
    /// </summary>
    public async ValueTask HandleAsync(Frame first, ChannelReader<Frame> waiting)
    {
        var frames = 1;
        try
        {
            using var tx = storage.Begin();
            var before = writesBegun();
            sm.Handle(first);
            if (writesBegun() != before) await Task.Yield();
            while (frames < maxFrames && waiting.TryRead(out var next))
            {
                sm.Handle(next);
                frames++;
            }
            tx.Commit();
        }
        catch (Exception e)
        {
            // Nothing of the batch was acknowledged: its output is not sent. sm stops (the host logs it).
            logger.LogCritical(e, "Storage commit of {Frames} frames failed; {Held} frames they caused are not sent", frames, sink.Held);
            throw;
        }
        sink.Release();
    }
}
