using System.Diagnostics.CodeAnalysis;

namespace Xmpp.Common;

/// <summary>
/// An XMPP address (RFC 7622): [local@]domain[/resource]. Local part and domain are
/// case-folded to lower case; the resource is kept as given. Full PRECIS profiles are not
/// applied: characters RFC 7622 forbids in a local part are refused, and lengths are bounded.
/// </summary>
public sealed class Jid : IEquatable<Jid>
{
    private const int MaxPartBytes = 1023;
    private static readonly char[] ForbiddenInLocal = ['"', '&', '\'', '/', ':', '<', '>', '@', ' ', '\t', '\r', '\n'];

    public string? Local { get; }
    public string Domain { get; }
    public string? Resource { get; }

    private Jid(string? local, string domain, string? resource)
    {
        Local = local;
        Domain = domain;
        Resource = resource;
    }

    public bool IsBare => Resource is null;
    public bool IsFull => Resource is not null;
    public Jid Bare => Resource is null ? this : new Jid(Local, Domain, null);

    public Jid WithResource(string resource)
    {
        if (!ValidResource(resource)) throw new ArgumentException("invalid resource", nameof(resource));
        return new Jid(Local, Domain, resource);
    }

    public static Jid Parse(string text) =>
        TryParse(text, out var jid) ? jid : throw new FormatException($"not a valid JID");

    public static bool TryParse(string? text, [NotNullWhen(true)] out Jid? jid)
    {
        jid = null;
        if (string.IsNullOrEmpty(text)) return false;

        string? resource = null;
        var rest = text;
        var slash = text.IndexOf('/');
        if (slash >= 0)
        {
            resource = text[(slash + 1)..];
            rest = text[..slash];
            if (!ValidResource(resource)) return false;
        }

        string? local = null;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            local = rest[..at].ToLowerInvariant();
            rest = rest[(at + 1)..];
            if (!ValidLocal(local)) return false;
        }

        var domain = rest.ToLowerInvariant().TrimEnd('.');
        if (!ValidDomain(domain)) return false;

        jid = new Jid(local, domain, resource);
        return true;
    }

    private static bool ValidLocal(string local) =>
        local.Length > 0 && Utf8Length(local) <= MaxPartBytes && local.IndexOfAny(ForbiddenInLocal) < 0 && !HasControl(local) && IsWellFormed(local);

    private static bool ValidDomain(string domain) =>
        domain.Length > 0 && Utf8Length(domain) <= MaxPartBytes && domain.IndexOfAny(['@', '/', ' ', '\t', '\r', '\n', '<', '>', '"', '\'', '&']) < 0 && !HasControl(domain) && IsWellFormed(domain);

    private static bool ValidResource(string resource) =>
        resource.Length > 0 && Utf8Length(resource) <= MaxPartBytes && !HasControl(resource) && IsWellFormed(resource);

    private static bool HasControl(string s)
    {
        foreach (var c in s)
            if (char.IsControl(c)) return true;
        return false;
    }

    /// <summary>No lone surrogate: a JID must be Unicode text that UTF-8 can carry (found by JidFuzzTests).</summary>
    private static bool IsWellFormed(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            else if (char.IsSurrogate(s[i])) return false;
        }
        return true;
    }

    private static int Utf8Length(string s) => System.Text.Encoding.UTF8.GetByteCount(s);

    private string? _text;

    public override string ToString() =>
        _text ??= (Local is null ? "" : Local + "@") + Domain + (Resource is null ? "" : "/" + Resource);

    public bool Equals(Jid? other) =>
        other is not null && Local == other.Local && Domain == other.Domain && Resource == other.Resource;

    public override bool Equals(object? obj) => Equals(obj as Jid);
    public override int GetHashCode() => HashCode.Combine(Local, Domain, Resource);
    public static bool operator ==(Jid? a, Jid? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(Jid? a, Jid? b) => !(a == b);
}
