using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Hosting;

/// <summary>Whether sm's router link is up: sm is ready (health) only while it is.</summary>
public sealed class SmLinkState
{
    private volatile bool _up;

    public bool IsUp => _up;

    public void Set(bool up)
    {
        _up = up;
        SmTelemetry.SetLinked(up);
    }
}
