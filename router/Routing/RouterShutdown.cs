using Microsoft.Extensions.Options;
using Xmpp.Common.Link;
using Xmpp.Protos;

namespace Xmpp.Router.Routing;

/// <summary>
/// A graceful stop (SIGTERM) in a few seconds, as a restart the components do not notice: the
/// router tells every link it is going (component { address: "router" up: false }); each component
/// stops sending and half-closes its stream; the router routes what it still reads, writes out
/// every queue, and ends the links. Links that are slow to half-close are cut after
/// Router:DrainTimeout. While stopping, a link that ends is not announced as down: the components
/// keep their sessions (the next router gets them back).
/// </summary>
public sealed class RouterShutdown
{
    private readonly RoutingTable _table;
    private readonly ILogger _logger;
    private readonly TimeSpan _drainTimeout;
    private readonly CancellationTokenSource _hardStop = new();
    private readonly TaskCompletionSource _readsDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _reading;
    private volatile bool _stopping;

    public RouterShutdown(RoutingTable table, IOptions<RouterOptions> options, IHostApplicationLifetime lifetime, ILogger<RouterShutdown> logger)
    {
        _table = table;
        _logger = logger;
        _drainTimeout = options.Value.DrainTimeout;
        lifetime.ApplicationStopping.Register(Begin);
    }

    public bool Stopping => _stopping;

    /// <summary>Cancelled Router:DrainTimeout after the stop began: links still open are cut.</summary>
    public CancellationToken HardStop => _hardStop.Token;

    private void Begin()
    {
        _stopping = true;
        _table.Stopping = true;
        var components = _table.Components();
        _logger.LogInformation("Stopping: telling {Count} components, draining for at most {Timeout}", components.Count, _drainTimeout);
        foreach (var link in components)
            link.TryEnqueue(new Frame { From = RouterLink.RouterEventAddress, Component = new ComponentEvent { Address = RouterLink.RouterEventAddress, Up = false } });
        _hardStop.CancelAfter(_drainTimeout);
        if (Volatile.Read(ref _reading) == 0) _readsDone.TrySetResult();
    }

    /// <summary>A link's read loop started.</summary>
    public void Reading() => Interlocked.Increment(ref _reading);

    /// <summary>A link's read loop ended (the component half-closed, left, or was cut).</summary>
    public void ReadDone()
    {
        if (Interlocked.Decrement(ref _reading) == 0 && _stopping) _readsDone.TrySetResult();
    }

    /// <summary>While stopping: waits until no link reads any more (nothing new will be routed) and the link's queue is written out, at most until the hard stop.</summary>
    public async Task DrainAsync(ComponentLink link)
    {
        if (!_stopping) return;
        try
        {
            await _readsDone.Task.WaitAsync(HardStop);
            while (!link.IsIdle) await Task.Delay(10, HardStop);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Component {Component}: not drained within {Timeout}; {Bytes} bytes queued for it are returned to their senders", link, _drainTimeout, link.QueuedBytes);
        }
    }
}
