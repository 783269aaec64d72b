using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Sasl;
using Xmpp.Protos;
using Xmpp.Sm.Telemetry;
using Action = Xmpp.Protos.Session.Types.Action;
using Step = Xmpp.Protos.SaslStep.Types.Step;

namespace Xmpp.Sm.Auth;

/// <summary>
/// The AUTH action (protos/router.proto, SaslStep): c2s runs SASL with the client and asks sm for
/// what needs the account's secrets. Answers hold a salt and iteration count, a ServerSignature,
/// or nothing; never a key. Failures per account name (existing or not) lock the name for a
/// growing back-off (<see cref="FailureBackoff"/>); an &lt;abort/&gt; counts as a failure.
/// </summary>
/// XEP-0484 FAST: HT_CHECK checks an HT-* initial response against sm's tokens, and a proof step
/// carrying a token request issues one when the proof holds (<see cref="FastLogins"/>).
public sealed class AuthActions(CredentialChecks checks, CredentialRehash rehash, FailureBackoff lockouts, ILogger logger, FastLogins? fast = null)
{
    /// <summary>AUTH handling as configured: the secret from the data directory, the iteration count, the lock settings.</summary>
    public static AuthActions Create(SmOptions options, Storage.IAccountStore accounts, TimeProvider clock, ILoggerFactory logs, Modules.Fast.FastTokens? fastTokens = null)
    {
        var logger = logs.CreateLogger<AuthActions>();
        var replaced = new ReplacedCredentials(options.AuthRehashGrace, options.AuthAccountMaxTracked, clock);
        var checks = new CredentialChecks(accounts, SaslSecret.LoadOrCreate(options.DataDirectory), options.ScramIterations, replaced);
        var rehash = new CredentialRehash(accounts, options.ScramIterations, replaced);
        var lockouts = new FailureBackoff(new BackoffSettings(options.AuthAccountFreeFailures, options.AuthAccountBackoff,
            options.AuthAccountMaxBackoff, options.AuthAccountForgetAfter, options.AuthAccountMaxTracked), clock);
        return new AuthActions(checks, rehash, lockouts, logger, fastTokens is null ? null : new FastLogins(fastTokens));
    }

    public static class Reasons
    {
        public const string NotAuthorized = "not-authorized";
        public const string AccountLocked = "account-locked";
        public const string BadRequest = "bad-request";
        public const string CredentialsExpired = "credentials-expired";
    }

    /// <summary>The answer to an AUTH request for <paramref name="user"/> (a bare JID of this domain): AUTHED with a SaslResult, or the failure reason.</summary>
    public (SaslResult? Result, string? Failure) Handle(Jid user, SaslStep? step)
    {
        var name = user.ToString();
        if (step is null || step.Step == Step.None) return (null, Reasons.BadRequest);

        var locked = lockouts.Remaining(name);
        if (locked > TimeSpan.Zero)
        {
            SmTelemetry.AuthRefused(StepName(step.Step));
            logger.LogInformation("SASL {Step} for {User} refused: locked for {Seconds:F1} s more after repeated failures", StepName(step.Step), name, locked.TotalSeconds);
            return (null, Reasons.AccountLocked);
        }

        switch (step.Step)
        {
            case Step.ScramStart:
                if (checks.ScramStart(name, step.Mechanism, step.CanRehash) is not { } start) return (null, Reasons.BadRequest);
                return (new SaslResult { Salt = ByteString.CopyFrom(start.Salt), Iterations = start.Iterations, RehashIterations = start.RehashIterations }, null);

            case Step.ScramProof:
                if (ScramAlgorithm.ByMechanism(step.Mechanism) is null || step.AuthMessage.Length == 0) return (null, Reasons.BadRequest);
                var proof = checks.ScramProof(name, step.Mechanism, step.AuthMessage, step.ClientProof.ToByteArray());
                if (!proof.Ok) return Failed(name, step.Step);
                Succeeded(name, step.Mechanism);
                AfterLogin(name, step, proof.Checked!);
                var result = new SaslResult { ServerSignature = ByteString.CopyFrom(proof.ServerSignature) };
                if (step.Upgrade.Count > 0 && checks.NeedingUpgrade(proof.Checked!, step.Upgrade) is { Count: > 0 } upgrade)
                {
                    result.Upgrade.AddRange(upgrade);
                    result.UpgradeIterations = checks.Iterations;
                    logger.LogDebug("SASL2 login of {User}: upgrade tasks offered for {Mechanisms}", name, string.Join(", ", upgrade));
                }
                // XEP-0484: a token only once fully authenticated; with upgrade tasks, at SCRAM_UPGRADE.
                else fast?.IssueRequested(user, step.Fast, result);
                return (result, null);

            case Step.ScramUpgrade:
                if (ScramAlgorithm.ByMechanism(step.Mechanism) is null || step.AuthMessage.Length == 0 || step.Rehash is null) return (null, Reasons.BadRequest);
                var upgraded = Upgrade(name, step);
                if (upgraded.ProofHeld) fast?.IssueRequested(user, step.Fast, upgraded.Result);
                return (upgraded.Result, null);

            case Step.HtCheck:
                if (fast is null || fast.Check(user, step) is not { } check) return (null, Reasons.BadRequest);
                if (check.Failure is { } refused) return Failed(name, step.Step, refused);
                Succeeded(name, step.Mechanism);
                return (check.Result, null);

            case Step.Abort:
                Failed(name, step.Step);
                return (new SaslResult(), null);

            default:
                return (null, Reasons.BadRequest);
        }
    }

    private (SaslResult?, string?) Failed(string name, Step step, string reason = Reasons.NotAuthorized)
    {
        var backoff = lockouts.Fail(name);
        SmTelemetry.AuthFailed(StepName(step));
        if (backoff > TimeSpan.Zero)
        {
            SmTelemetry.AuthLocked();
            logger.LogWarning("SASL {Step} for {User} failed; the account name is locked for {Seconds:F1} s", StepName(step), name, backoff.TotalSeconds);
        }
        else
        {
            logger.LogInformation("SASL {Step} for {User} failed", StepName(step), name);
        }
        return (null, reason);
    }

    private void Succeeded(string name, string mechanism)
    {
        lockouts.Succeed(name);
        logger.LogDebug("SASL {Mechanism} for {User} succeeded", mechanism, name);
    }

    /// <summary>
    /// After a proof held: store the credentials c2s re-derived from a PLAIN password, if it sent
    /// any; otherwise (a SCRAM login never can) count a login whose keys have a stale iteration
    /// count, so an operator sees how many still need a PLAIN login or a new password.
    /// </summary>
    private void AfterLogin(string name, SaslStep step, IReadOnlyList<ScramCredentialData> checkedAgainst)
    {
        if (step.Rehash is { } fresh)
        {
            var outcome = rehash.Apply(name, checkedAgainst, fresh);
            if (outcome == RehashOutcome.Stored)
            {
                SmTelemetry.AuthRehashed();
                logger.LogInformation("Credentials of {User} re-derived at {Iterations} PBKDF2 iterations on a PLAIN login", name, checks.Iterations);
                return;
            }
            SmTelemetry.AuthRehashRefused(RehashReason(outcome));
            logger.LogInformation("Re-derived credentials for {User} ignored: {Reason}", name, RehashReason(outcome));
        }
        if (!checks.IsStale(checkedAgainst)) return;
        SmTelemetry.AuthStaleIterations(step.Mechanism);
        logger.LogDebug("SASL {Mechanism} login of {User} used keys with {Stored} PBKDF2 iterations, not the configured {Configured}; they change at its next PLAIN login or password change",
            step.Mechanism, name, string.Join("/", checkedAgainst.Select(c => c.Iterations).Distinct()), checks.Iterations);
    }

    /// <summary>
    /// XEP-0480: the proof of the login is checked again against the account's current keys (so
    /// keys are stored only for the account that authenticated, and only if its keys did not
    /// change since), then the upgraded mechanisms' keys replace theirs in one transaction. The
    /// login stands either way: a refusal is logged and counted, and answered upgraded: false.
    /// </summary>
    private (SaslResult Result, bool ProofHeld) Upgrade(string name, SaslStep step)
    {
        var proof = checks.ScramProof(name, step.Mechanism, step.AuthMessage, step.ClientProof.ToByteArray());
        var outcome = proof.Ok ? rehash.ApplyUpgrade(name, proof.Checked!, step.Rehash) : RehashOutcome.Changed;
        if (outcome == RehashOutcome.Stored)
        {
            foreach (var c in step.Rehash.Scram) SmTelemetry.AuthUpgraded(c.Mechanism);
            logger.LogInformation("Credentials of {User} upgraded to {Iterations} PBKDF2 iterations ({Mechanisms}) by a XEP-0480 task",
                name, checks.Iterations, string.Join(", ", step.Rehash.Scram.Select(c => c.Mechanism)));
            return (new SaslResult { Upgraded = true }, proof.Ok);
        }
        SmTelemetry.AuthRehashRefused(RehashReason(outcome));
        logger.LogInformation("XEP-0480 upgrade of {User}'s credentials ignored: {Reason}", name, RehashReason(outcome));
        return (new SaslResult { Upgraded = false }, proof.Ok);
    }

    private static string RehashReason(RehashOutcome outcome) => outcome switch
    {
        RehashOutcome.Malformed => "malformed",
        RehashOutcome.NotStale => "not-stale",
        RehashOutcome.Changed => "changed",
        _ => "stored",
    };

    private static string StepName(Step step) => step switch
    {
        Step.ScramStart => "scram-start",
        Step.ScramProof => "scram-proof",
        Step.Abort => "abort",
        Step.ScramUpgrade => "scram-upgrade",
        Step.HtCheck => "ht-check",
        _ => "none",
    };
}
