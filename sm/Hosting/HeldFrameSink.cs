using Xmpp.Protos;
using Xmpp.Sm.Core;

namespace Xmpp.Sm.Hosting;

/// <summary>
/// Holds the frames sm emits until the storage transaction of the frames that caused them is
/// committed (<see cref="GroupCommit"/>), then passes them on in order: nothing sm answers or
/// delivers leaves before what it acknowledges is on disk.
/// </summary>
public sealed class HeldFrameSink(IFrameSink inner) : IFrameSink
{
    private readonly List<Frame> _held = [];

    public int Held => _held.Count;

    public void Send(Frame frame) => _held.Add(frame);

    /// <summary>Sends every held frame, in the order sm emitted them.</summary>
    public void Release()
    {
        foreach (var frame in _held) inner.Send(frame);
        _held.Clear();
    }
}
