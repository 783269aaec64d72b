namespace Xmpp.C2s.Registration;

/// <summary>XEP-0077 in-band registration on this frontend, section "C2s:Registration".</summary>
public sealed class RegistrationOptions
{
    /// <summary>
    /// Offer registration before authentication (the &lt;register/&gt; stream feature, the form, account
    /// creation through sm). sm must allow it too (Sm:Registration:Enabled). Off: the query gets &lt;service-unavailable/&gt;.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>Registrations one client address may ask for within <see cref="PerAddressWindow"/>; beyond: &lt;resource-constraint/&gt;. 0: no limit.</summary>
    public int PerAddressLimit { get; set; } = 3;

    /// <summary>The window of <see cref="PerAddressLimit"/>.</summary>
    public TimeSpan PerAddressWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Client addresses remembered at once (the oldest are forgotten first).</summary>
    public int PerAddressMaxTracked { get; set; } = 100_000;

    /// <summary>PBKDF2 iterations of the SCRAM keys c2s derives from a registered or changed password (keep it equal to Sm:ScramIterations).</summary>
    public int ScramIterations { get; set; } = Xmpp.Common.Sasl.ScramAlgorithm.DefaultIterations;
}
