using Xmpp.Protos;

namespace Xmpp.Sm.Core;

/// <summary>Where the session manager's outgoing frames go: the router link in the process, a list in tests.</summary>
public interface IFrameSink
{
    void Send(Frame frame);
}
