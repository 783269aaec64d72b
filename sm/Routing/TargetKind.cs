namespace Xmpp.Sm.Routing;

/// <summary>What a stanza's 'to' names, as seen by sm (the middle part of hook names).</summary>
public enum TargetKind
{
    /// <summary>The server: 'to' is the domain (Prosody's "host").</summary>
    Host,
    /// <summary>The sender's own account: an iq with no 'to' or 'to' = own bare JID, presence with no 'to' (RFC 6120 §10.3.3).</summary>
    Self,
    /// <summary>A user's bare JID (a message with no 'to' is addressed to the sender's own bare JID, RFC 6120 §10.3.1).</summary>
    Bare,
    /// <summary>A user's full JID.</summary>
    Full,
    /// <summary>Another domain. We have no s2s, so these never reach the hooks.</summary>
    Remote,
    /// <summary>A service component's domain or a JID within it (bound on the router as component/&lt;domain&gt;): forwarded to it after the filters.</summary>
    Component,
}

public static class TargetKindNames
{
    public static string HookName(this TargetKind kind) => kind switch
    {
        TargetKind.Host => "host",
        TargetKind.Self => "self",
        TargetKind.Bare => "bare",
        TargetKind.Full => "full",
        TargetKind.Component => "component",
        _ => "remote",
    };
}
