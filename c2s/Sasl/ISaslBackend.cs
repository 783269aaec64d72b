using Xmpp.Protos;

namespace Xmpp.C2s.Sasl;

public enum SaslVerdict
{
    /// <summary>sm answered; the step passed (for SCRAM_START: here are the salt and count).</summary>
    Ok,
    /// <summary>A wrong proof or password (or an unknown account: sm does not say which).</summary>
    Failed,
    /// <summary>The account name is locked after repeated failures; the lock expires.</summary>
    Locked,
    /// <summary>sm could not be asked or could not answer.</summary>
    Unavailable,
    /// <summary>XEP-0484: the client's FAST token matched but has expired (SASL's credentials-expired).</summary>
    Expired,
}

/// <summary>sm's answer to one SASL step: the verdict, and on <see cref="SaslVerdict.Ok"/> what sm returned (salt and count, or ServerSignature).</summary>
public sealed record SaslAnswer(SaslVerdict Verdict, SaslResult? Result = null)
{
    public static readonly SaslAnswer Unavailable = new(SaslVerdict.Unavailable);
}

/// <summary>
/// Where c2s has the secret-dependent SASL steps checked: sm, through the router (c2s has no
/// database and never sees a key or a password hash).
/// </summary>
public interface ISaslBackend
{
    Task<SaslAnswer> CheckAsync(string bareJid, SaslStep step, CancellationToken ct);
}
