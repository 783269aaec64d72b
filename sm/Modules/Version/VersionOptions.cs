namespace Xmpp.Sm.Modules.Version;

/// <summary>XEP-0092 settings, bound from "Sm:Version".</summary>
public sealed class VersionOptions
{
    /// <summary>The software name answered.</summary>
    public string Name { get; set; } = "xmpp-distributed";

    /// <summary>The version answered; empty: sm's own assembly version.</summary>
    public string Version { get; set; } = "";

    /// <summary>Answer nothing (&lt;service-unavailable/&gt;, and no disco feature), as if XEP-0092 were not supported.</summary>
    public bool Hide { get; set; }

    /// <summary>Also name the operating system (&lt;os/&gt;); off by default: it helps attackers more than users (XEP-0092 §5).</summary>
    public bool ShowOs { get; set; }
}
