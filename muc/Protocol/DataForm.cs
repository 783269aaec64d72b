using System.Xml.Linq;

namespace Xmpp.Muc.Protocol;

/// <summary>XEP-0004 data forms: reading a submitted form's fields and writing fields.</summary>
public static class DataForm
{
    public static readonly XNamespace X = MucNs.DataForms;

    /// <summary>The jabber:x:data child of <paramref name="parent"/> whose FORM_TYPE is <paramref name="formType"/> (a form without FORM_TYPE matches too when <paramref name="allowUntyped"/>).</summary>
    public static XElement? Find(XElement? parent, string formType, bool allowUntyped = false) =>
        parent?.Elements(X + "x").FirstOrDefault(x => FormType(x) is { } t ? t == formType : allowUntyped);

    public static string? FormType(XElement form) => Value(form, "FORM_TYPE");

    /// <summary>The first value of a field, null when the field is absent.</summary>
    public static string? Value(XElement form, string var) =>
        Field(form, var) is { } field ? (string?)field.Element(X + "value") ?? "" : null;

    public static XElement? Field(XElement form, string var) =>
        form.Elements(X + "field").FirstOrDefault(f => (string?)f.Attribute("var") == var);

    /// <summary>XEP-0004 §3.3 boolean: 1/true or 0/false; null for anything else (and for an absent field).</summary>
    public static bool? Boolean(XElement form, string var) => Value(form, var) switch
    {
        "1" or "true" => true,
        "0" or "false" => false,
        _ => null,
    };

    public static XElement Form(string type, string formType, params object[] fields) =>
        new(X + "x", new XAttribute("type", type), Hidden("FORM_TYPE", formType), fields);

    public static XElement Hidden(string var, string value) =>
        new(X + "field", new XAttribute("var", var), new XAttribute("type", "hidden"), new XElement(X + "value", value));

    public static XElement Field(string var, string type, string? label, params string[] values) =>
        new(X + "field", new XAttribute("var", var), new XAttribute("type", type), label is null ? null : new XAttribute("label", label),
            values.Select(v => new XElement(X + "value", v)));

    public static XElement Boolean(string var, string label, bool value) => Field(var, "boolean", label, value ? "1" : "0");

    public static XElement ListSingle(string var, string label, string value, params (string Value, string Label)[] options)
    {
        var field = Field(var, "list-single", label, value);
        foreach (var (v, l) in options) field.Add(new XElement(X + "option", new XAttribute("label", l), new XElement(X + "value", v)));
        return field;
    }
}
