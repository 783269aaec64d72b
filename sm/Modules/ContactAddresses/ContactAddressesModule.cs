using System.Xml.Linq;
using Xmpp.Sm.Core;

namespace Xmpp.Sm.Modules.ContactAddresses;

/// <summary>
/// XEP-0157 Contact Addresses for XMPP Services: the addresses configured in "Sm:ContactAddresses"
/// in the server's disco#info, as a XEP-0128 extended form of FORM_TYPE
/// 'http://jabber.org/network/serverinfo' (each kind a list-multi field). Nothing configured, no form.
/// </summary>
public sealed class ContactAddressesModule(SmContext ctx) : IModule
{
    public const string FormType = "http://jabber.org/network/serverinfo";
    private static readonly XNamespace Data = "jabber:x:data";

    private readonly ContactAddressesOptions _options = ctx.Settings<ContactAddressesOptions>("ContactAddresses");

    public string Name => "contactaddresses";

    public void Load(HookTable hooks)
    {
        if (Form(_options) is { } form) hooks.Disco.AddExtension(DiscoTarget.Server, _ => new XElement(form));
    }

    /// <summary>The form for the configured addresses; null when there are none.</summary>
    public static XElement? Form(ContactAddressesOptions options)
    {
        var fields = options.Fields().Where(f => f.Addresses.Any(a => !string.IsNullOrWhiteSpace(a))).ToList();
        if (fields.Count == 0) return null;
        var form = new XElement(Data + "x", new XAttribute("type", "result"),
            new XElement(Data + "field", new XAttribute("var", "FORM_TYPE"), new XAttribute("type", "hidden"), new XElement(Data + "value", FormType)));
        foreach (var (name, addresses) in fields)
            form.Add(new XElement(Data + "field", new XAttribute("var", name), new XAttribute("type", "list-multi"),
                addresses.Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => new XElement(Data + "value", a.Trim()))));
        return form;
    }
}
