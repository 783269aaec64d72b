namespace Xmpp.C2s.Sasl;

/// <summary>The namespaces of XEP-0388 (SASL2), XEP-0386 (Bind 2) and XEP-0480 (SASL upgrade tasks).</summary>
public static class Sasl2Namespaces
{
    /// <summary>XEP-0388 Extensible SASL Profile.</summary>
    public const string Sasl2 = "urn:xmpp:sasl:2";

    /// <summary>XEP-0386 Bind 2.</summary>
    public const string Bind2 = "urn:xmpp:bind:0";

    /// <summary>XEP-0480: the &lt;upgrade/&gt; elements of the feature and of &lt;authenticate/&gt;.</summary>
    public const string Upgrade = "urn:xmpp:sasl:upgrade:0";

    /// <summary>XEP-0480 SCRAM upgrade tasks: &lt;salt/&gt; and &lt;hash/&gt;.</summary>
    public const string ScramUpgrade = "urn:xmpp:scram-upgrade:0";

    /// <summary>XEP-0280 Message Carbons, enabled inline by Bind 2.</summary>
    public const string Carbons = "urn:xmpp:carbons:2";

    /// <summary>XEP-0198 Stream Management (inline &lt;enable/&gt; in bind, &lt;resume/&gt; in authenticate: not implemented here).</summary>
    public const string StreamManagement = "urn:xmpp:sm:3";
}
