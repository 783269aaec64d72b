using System.Diagnostics;

namespace Xmpp.Bench;

/// <summary>
/// The paced half of the messages and groupchat scenarios: every sender sends <c>perSender</c> messages a second
/// from its own random phase, and one dedicated thread does the pacing for all of them. Each
/// millisecond or so it walks the senders and starts the write of every message then due (several
/// in one write when a sender is behind, up to <c>maxBatch</c>). A sender whose previous write has
/// not finished, or whose window is full, keeps its due messages for a later pass.
/// One thread and one wake-up per tick, instead of a timer and a thread-pool hop per message:
/// waking a thread on an idle core costs ~20 µs of CPU on a virtual machine, which at tens of
/// thousands of messages a second was CPU taken from the server under test.
/// </summary>
internal sealed class Pacer
{
    /// <summary>Writes <paramref name="count"/> messages of sender number <paramref name="sender"/>.</summary>
    public delegate Task SendMessages(int sender, int count, CancellationToken ct);

    private readonly SemaphoreSlim[] _windows; // per sender: messages it may still have in flight
    private readonly double _interval; // Stopwatch ticks between two messages of one sender
    private readonly long[] _origin;
    private readonly long[] _started;  // messages started per sender
    private readonly Task?[] _writing;
    private readonly int _maxBatch;
    private readonly SendMessages _send;

    public Pacer(SemaphoreSlim[] windows, double perSender, int maxBatch, long start, SendMessages send)
    {
        _windows = windows;
        _interval = Stopwatch.Frequency / perSender;
        _origin = windows.Select(_ => start + (long)(Random.Shared.NextDouble() * _interval)).ToArray();
        _started = new long[windows.Length];
        _writing = new Task?[windows.Length];
        _maxBatch = maxBatch;
        _send = send;
    }

    /// <summary>Starts the pacing thread; the task completes when <paramref name="ct"/> stops it.</summary>
    public Task Start(CancellationToken ct)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run(ct);
                stopped.SetResult();
            }
            catch (Exception e)
            {
                stopped.SetException(e);
            }
        })
        { IsBackground = true, Name = "bench pacer" };
        thread.Start();
        return stopped.Task;
    }

    private void Run(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            var next = long.MaxValue;
            for (var i = 0; i < _windows.Length; i++)
            {
                if (_writing[i] is { IsCompleted: false }) continue;
                var due = (long)((now - _origin[i]) / _interval) + 1 - _started[i];
                if (due <= 0)
                {
                    next = Math.Min(next, _origin[i] + (long)(_started[i] * _interval));
                    continue;
                }
                var window = _windows[i];
                var n = 0;
                while (n < due && n < _maxBatch && window.Wait(0)) n++;
                if (n == 0) continue;
                _started[i] += n;
                var write = _send(i, n, ct);
                _writing[i] = write.IsCompleted ? null : write;
            }
            var waitMs = (next - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
            Thread.Sleep((int)Math.Clamp(waitMs, 1, 50));
        }
    }
}
