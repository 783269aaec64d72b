using Xmpp.Common.Sasl;
using Xmpp.Protos;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Auth;

/// <summary>What became of the credentials c2s re-derived at a PLAIN login (SaslStep.rehash).</summary>
public enum RehashOutcome
{
    /// <summary>Stored: the account's keys now have the configured iteration count.</summary>
    Stored,
    /// <summary>Not both SCRAM mechanisms, a wrong count, a short salt or a wrong key size: ignored.</summary>
    Malformed,
    /// <summary>The keys the proof was checked against already have the configured count: ignored.</summary>
    NotStale,
    /// <summary>The account's keys changed (or it was deleted) between the check and the write: ignored.</summary>
    Changed,
}

/// <summary>
/// Upgrading an account's keys to the configured PBKDF2 count on a PLAIN login, as Prosody's
/// mod_auth_internal_hashed re-hashes a password it is shown: c2s, which holds the password,
/// derives the new credentials (with salts it draws); sm stores them, after the proof held against
/// the old keys, only if those are still the account's keys (<see cref="IAccountStore.ReplaceCredentials"/>,
/// one transaction). The login's verdict never depends on it.
/// </summary>
public sealed class CredentialRehash(IAccountStore accounts, int iterations, ReplacedCredentials? replaced = null)
{
    /// <summary>The shortest salt accepted (RFC 5802 leaves it open; c2s and xmppctl draw 16 random bytes).</summary>
    public const int MinSaltBytes = 16;

    public RehashOutcome Apply(string user, IReadOnlyList<ScramCredentialData> checkedAgainst, Credentials wire)
    {
        var fresh = CredentialsMapping.FromWire(wire);
        if (fresh is null || fresh.Count != ScramAlgorithm.All.Count
            || fresh.Any(c => c.Iterations != iterations || c.Salt.Length < MinSaltBytes))
            return RehashOutcome.Malformed;
        if (checkedAgainst.All(c => c.Iterations == iterations)) return RehashOutcome.NotStale;
        if (!accounts.ReplaceCredentials(user, checkedAgainst, fresh)) return RehashOutcome.Changed;
        replaced?.Remember(user, checkedAgainst, fresh);
        return RehashOutcome.Stored;
    }

    /// <summary>
    /// XEP-0480: stores the keys a SCRAM upgrade task derived (c2s, from the client's
    /// SaltedPassword) for some of the account's mechanisms: each at the configured count, with a
    /// salt of at least <see cref="MinSaltBytes"/>, for a mechanism whose keys in
    /// <paramref name="checkedAgainst"/> are missing or stale; the other mechanisms' keys stay. Only
    /// if the account's keys are still <paramref name="checkedAgainst"/> (one transaction).
    /// </summary>
    public RehashOutcome ApplyUpgrade(string user, IReadOnlyList<ScramCredentialData> checkedAgainst, Credentials wire)
    {
        var fresh = CredentialsMapping.FromWire(wire);
        if (fresh is null || fresh.Any(c => c.Iterations != iterations || c.Salt.Length < MinSaltBytes))
            return RehashOutcome.Malformed;
        if (fresh.Any(f => checkedAgainst.Any(c => c.Mechanism == f.Mechanism && c.Iterations == iterations))) return RehashOutcome.NotStale;
        var merged = checkedAgainst.Where(c => fresh.All(f => f.Mechanism != c.Mechanism)).Concat(fresh).ToList();
        if (!accounts.ReplaceCredentials(user, checkedAgainst, merged)) return RehashOutcome.Changed;
        replaced?.Remember(user, checkedAgainst, merged);
        return RehashOutcome.Stored;
    }
}
