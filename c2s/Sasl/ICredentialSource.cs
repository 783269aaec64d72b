using Xmpp.Common.Sasl;

namespace Xmpp.C2s.Sasl;

public enum LookupStatus { Found, NotFound, Unavailable }

/// <summary>A user's stored SCRAM credentials as sm answered them.</summary>
public sealed record CredentialLookup(LookupStatus Status, IReadOnlyList<ScramCredentialData> Credentials)
{
    public static readonly CredentialLookup NotFound = new(LookupStatus.NotFound, []);
    public static readonly CredentialLookup Unavailable = new(LookupStatus.Unavailable, []);
}

/// <summary>Where c2s gets credentials: sm, through the router (c2s has no database).</summary>
public interface ICredentialSource
{
    Task<CredentialLookup> LookupAsync(string bareJid, CancellationToken ct);
}
