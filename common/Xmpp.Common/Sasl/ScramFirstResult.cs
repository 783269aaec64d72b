namespace Xmpp.Common.Sasl;

/// <summary>The server's verdict on a client-first-message (RFC 5802 §5.1, §6).</summary>
public enum ScramFirstResult
{
    /// <summary>Valid; the exchange goes on.</summary>
    Ok,
    /// <summary>Not SCRAM syntax (or a mandatory extension): malformed-request.</summary>
    Malformed,
    /// <summary>
    /// gs2 flag 'y' ("the client supports channel binding but thinks the server does not") while
    /// this server did offer -PLUS mechanisms: someone removed them on the way. RFC 5802 §6: fail.
    /// </summary>
    Downgrade,
    /// <summary>'p=' names a channel binding type this connection does not support.</summary>
    UnsupportedChannelBinding,
    /// <summary>A -PLUS mechanism without 'p=', or 'p=' with a mechanism that is not -PLUS.</summary>
    ChannelBindingMismatch,
}
