using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.Sm.Modules.Caps;

/// <summary>
/// XEP-0115 §5 verification string, pure: built from a disco#info answer (identities, features,
/// XEP-0128 forms) and hashed with the algorithm the &lt;c hash=''/&gt; names. An answer with a
/// duplicate identity or feature, or two forms of one FORM_TYPE, is malformed (§5.4) and has none.
/// </summary>
public static class CapsHash
{
    private static readonly XNamespace Info = Ns.DiscoInfo;
    private static readonly XNamespace Data = "jabber:x:data";
    private static readonly XNamespace XmlNs = XNamespace.Xml;

    /// <summary>Whether the algorithm (IANA hash name) is one this server computes.</summary>
    public static bool Supports(string? hash) => hash is "sha-1" or "sha-256" or "sha-384" or "sha-512";

    /// <summary>The base64 verification string of <paramref name="query"/> with <paramref name="hash"/>, or null when the answer is malformed or the hash unknown.</summary>
    public static string? Compute(XElement query, string hash)
    {
        if (!Supports(hash) || VerificationString(query) is not { } s) return null;
        var bytes = Encoding.UTF8.GetBytes(s);
        var digest = hash switch
        {
            "sha-1" => SHA1.HashData(bytes),
            "sha-256" => SHA256.HashData(bytes),
            "sha-384" => SHA384.HashData(bytes),
            _ => SHA512.HashData(bytes),
        };
        return Convert.ToBase64String(digest);
    }

    /// <summary>Whether <paramref name="ver"/> is the verification string of <paramref name="query"/>.</summary>
    public static bool Verify(XElement query, string hash, string ver) => Compute(query, hash) == ver;

    /// <summary>§5.1 steps 1-8: the string S, or null when §5.4 calls the answer malformed.</summary>
    public static string? VerificationString(XElement query)
    {
        var sb = new StringBuilder();
        var identities = query.Elements(Info + "identity")
            .Select(i => $"{(string?)i.Attribute("category")}/{(string?)i.Attribute("type")}/{(string?)i.Attribute(XmlNs + "lang")}/{(string?)i.Attribute("name")}")
            .ToList();
        if (identities.Distinct(StringComparer.Ordinal).Count() != identities.Count) return null;
        identities.Sort(StringComparer.Ordinal);
        foreach (var identity in identities) sb.Append(identity).Append('<');

        var features = query.Elements(Info + "feature").Select(f => (string?)f.Attribute("var") ?? "").ToList();
        if (features.Distinct(StringComparer.Ordinal).Count() != features.Count) return null;
        features.Sort(StringComparer.Ordinal);
        foreach (var feature in features) sb.Append(feature).Append('<');

        var forms = new List<(string FormType, XElement Form)>();
        foreach (var form in query.Elements(Data + "x"))
        {
            var formType = form.Elements(Data + "field").Where(f => (string?)f.Attribute("var") == "FORM_TYPE").ToList();
            if (formType.Count == 0) continue; // §5.4: a form without FORM_TYPE is ignored
            if (formType.Count > 1 || (string?)formType[0].Attribute("type") is { } t && t != "hidden") return null;
            forms.Add(((string?)formType[0].Element(Data + "value") ?? "", form));
        }
        if (forms.Select(f => f.FormType).Distinct(StringComparer.Ordinal).Count() != forms.Count) return null;
        foreach (var (formType, form) in forms.OrderBy(f => f.FormType, StringComparer.Ordinal))
        {
            sb.Append(formType).Append('<');
            var fields = form.Elements(Data + "field")
                .Select(f => (Var: (string?)f.Attribute("var") ?? "", Field: f))
                .Where(f => f.Var != "FORM_TYPE")
                .OrderBy(f => f.Var, StringComparer.Ordinal);
            foreach (var (var, field) in fields)
            {
                sb.Append(var).Append('<');
                foreach (var value in field.Elements(Data + "value").Select(v => v.Value).Order(StringComparer.Ordinal))
                    sb.Append(value).Append('<');
            }
        }
        return sb.ToString();
    }
}
