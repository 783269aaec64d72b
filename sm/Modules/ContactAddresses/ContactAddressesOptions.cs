namespace Xmpp.Sm.Modules.ContactAddresses;

/// <summary>
/// XEP-0157 settings, bound from "Sm:ContactAddresses": URIs (mailto:, xmpp:, https:) per kind of
/// contact, e.g. <c>Sm__ContactAddresses__Admin__0=mailto:admin@example.org</c>. None configured: no form.
/// </summary>
public sealed class ContactAddressesOptions
{
    public List<string> Abuse { get; set; } = [];
    public List<string> Admin { get; set; } = [];
    public List<string> Feedback { get; set; } = [];
    public List<string> Sales { get; set; } = [];
    public List<string> Security { get; set; } = [];
    public List<string> Status { get; set; } = [];
    public List<string> Support { get; set; } = [];

    /// <summary>The XEP-0157 field var of each kind with its addresses.</summary>
    public IEnumerable<(string Var, IReadOnlyList<string> Addresses)> Fields() =>
    [
        ("abuse-addresses", Abuse), ("admin-addresses", Admin), ("feedback-addresses", Feedback), ("sales-addresses", Sales),
        ("security-addresses", Security), ("status-addresses", Status), ("support-addresses", Support),
    ];
}
