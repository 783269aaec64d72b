namespace Xmpp.C2s.Protocol;

/// <summary>Where a client stream is in RFC 6120's negotiation.</summary>
public enum StreamStage
{
    /// <summary>Before TLS (and before SASL when TLS is optional).</summary>
    Connected,
    /// <summary>TLS done (or not required); SASL not yet.</summary>
    Secured,
    /// <summary>SASL succeeded; resource not bound yet.</summary>
    Authenticated,
    /// <summary>Bind requested; waiting for sm's started.</summary>
    Binding,
    /// <summary>sm holds a session; stanzas flow.</summary>
    Established,
    Closed,
}
