using System.Xml.Linq;

namespace Xmpp.Sm.Modules.AdHoc;

/// <summary>One field of a XEP-0004 form: var, type, label, whether required, its values (several for *-multi).</summary>
public sealed record FormField(string Var, string Type, string? Label = null, bool Required = false, params string[] Values);

/// <summary>XEP-0004 data forms, as far as ad-hoc commands need them: forms and results out, submitted values in.</summary>
public static class DataForm
{
    public const string Namespace = "jabber:x:data";
    public static readonly XNamespace Ns = Namespace;

    /// <summary>A form of <paramref name="type"/> (form, result) with a hidden FORM_TYPE when given.</summary>
    public static XElement Build(string type, string? formType, string? title, string? instructions, IEnumerable<FormField> fields)
    {
        var x = new XElement(Ns + "x", new XAttribute("type", type));
        if (title is not null) x.Add(new XElement(Ns + "title", title));
        if (instructions is not null) x.Add(new XElement(Ns + "instructions", instructions));
        if (formType is not null) x.Add(Field(new FormField("FORM_TYPE", "hidden", null, false, formType)));
        foreach (var field in fields) x.Add(Field(field));
        return x;
    }

    private static XElement Field(FormField f)
    {
        var field = new XElement(Ns + "field", new XAttribute("var", f.Var), new XAttribute("type", f.Type));
        if (f.Label is not null) field.SetAttributeValue("label", f.Label);
        if (f.Required) field.Add(new XElement(Ns + "required"));
        foreach (var v in f.Values) field.Add(new XElement(Ns + "value", v));
        return field;
    }

    /// <summary>
    /// The values of a submitted form (type submit) by var; null when <paramref name="x"/> is no
    /// submitted form. A field given several times keeps all its values.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>>? Values(XElement? x)
    {
        if (x is null || x.Name != Ns + "x" || (string?)x.Attribute("type") != "submit") return null;
        var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var field in x.Elements(Ns + "field"))
        {
            if ((string?)field.Attribute("var") is not { Length: > 0 } name) continue;
            var list = values.TryGetValue(name, out var existing) ? existing.ToList() : [];
            list.AddRange(field.Elements(Ns + "value").Select(v => v.Value));
            values[name] = list;
        }
        return values;
    }
}
