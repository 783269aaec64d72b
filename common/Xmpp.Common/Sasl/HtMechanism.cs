namespace Xmpp.Common.Sasl;

/// <summary>
/// One mechanism of the Hashed Token family (draft-schmaus-kitten-sasl-ht-08), as XEP-0484 (FAST)
/// uses them: HT-SHA-256 with a channel binding type (-ENDP tls-server-end-point, -EXPR tls-exporter,
/// -UNIQ tls-unique) or none (-NONE). The computations are in <see cref="HtToken"/>.
/// </summary>
public sealed class HtMechanism
{
    public static readonly HtMechanism Expr = new("HT-SHA-256-EXPR", "tls-exporter");
    public static readonly HtMechanism Endp = new("HT-SHA-256-ENDP", "tls-server-end-point");
    public static readonly HtMechanism Uniq = new("HT-SHA-256-UNIQ", "tls-unique");
    public static readonly HtMechanism None = new("HT-SHA-256-NONE", null);

    /// <summary>Every HT mechanism this server knows, strongest first (channel bound before -NONE).</summary>
    public static readonly IReadOnlyList<HtMechanism> All = [Expr, Endp, Uniq, None];

    private HtMechanism(string name, string? channelBindingType)
    {
        Name = name;
        ChannelBindingType = channelBindingType;
    }

    /// <summary>The SASL mechanism name, e.g. "HT-SHA-256-ENDP".</summary>
    public string Name { get; }

    /// <summary>The channel binding type (RFC 5929, RFC 9266) whose data goes into the HMACs; null for -NONE.</summary>
    public string? ChannelBindingType { get; }

    public static HtMechanism? ByName(string? name) => All.FirstOrDefault(m => m.Name == name);

    /// <summary>
    /// The HT mechanisms one connection can offer, strongest first: those whose channel binding
    /// type <paramref name="binding"/> supports (data the server computed from its own side of the
    /// TLS connection), and -NONE.
    /// </summary>
    public static IReadOnlyList<HtMechanism> Offered(ScramChannelBinding binding) =>
        All.Where(m => m.ChannelBindingType is null || binding.DataOf(m.ChannelBindingType) is not null).ToArray();

    public override string ToString() => Name;
}
