using Google.Protobuf;
using Xmpp.Common.Sasl;
using Xmpp.Protos;
using static Xmpp.Sm.Tests.SmHarness;
using Action = Xmpp.Protos.Session.Types.Action;
using Step = Xmpp.Protos.SaslStep.Types.Step;

namespace Xmpp.Sm.Tests;

/// <summary>
/// XEP-0480 SCRAM upgrade tasks, sm's side without sockets: which mechanisms need an upgrade is
/// told only after the proof held; SCRAM_UPGRADE re-checks the proof and replaces only the named
/// mechanisms' keys, at the configured count, only while the account's keys are unchanged.
/// </summary>
public sealed class ScramUpgradeTaskTests : IDisposable
{
    private const int Old = 64; // CredentialsFor's count
    private const int Configured = 128;
    private readonly SmHarness _h;

    public ScramUpgradeTaskTests()
    {
        _h = new SmHarness(o =>
        {
            o.ScramIterations = Configured;
            o.AuthAccountFreeFailures = 1000;
        });
        _h.CreateUser("alice", "wonderland");
    }

    public void Dispose() => _h.Dispose();

    private Session Auth(SaslStep step, string user = "alice@localhost") =>
        _h.Request(C2s1, new Session { Action = Action.Auth, Target = user, Sasl = step }).Session;

    private IReadOnlyList<ScramCredentialData> Stored() => _h.Storage.GetCredentials("alice@localhost")!;

    /// <summary>A SCRAM login as c2s runs it; the proof step asks for <paramref name="upgrade"/>.</summary>
    private (Session Answer, ScramProof Proof) Login(string mechanism, string password, params string[] upgrade)
    {
        var algorithm = ScramAlgorithm.ByMechanism(mechanism)!;
        var client = new ScramClient(algorithm, "alice", password);
        var server = new ScramServer(algorithm);
        Assert.True(server.ReadClientFirst(client.ClientFirst()));
        var start = Auth(new SaslStep { Step = Step.ScramStart, Mechanism = mechanism });
        var proof = server.ReadClientFinal(client.ClientFinal(server.ServerFirst(start.SaslResult.Salt.ToByteArray(), start.SaslResult.Iterations)))!;
        var step = new SaslStep { Step = Step.ScramProof, Mechanism = mechanism, AuthMessage = proof.AuthMessage, ClientProof = ByteString.CopyFrom(proof.ClientProof) };
        step.Upgrade.AddRange(upgrade);
        return (Auth(step), proof);
    }

    private Session Upgrade(string mechanism, ScramProof proof, Credentials keys) =>
        Auth(new SaslStep { Step = Step.ScramUpgrade, Mechanism = mechanism, AuthMessage = proof.AuthMessage, ClientProof = ByteString.CopyFrom(proof.ClientProof), Rehash = keys });

    private static Credentials Keys(string password, int iterations, params ScramAlgorithm[] algorithms) =>
        WireCredentials.ToWire(algorithms.Select(a => a.Derive(password, iterations)));

    [Fact]
    public void The_proof_answer_names_the_stale_mechanisms_asked_for_and_the_count()
    {
        var (answer, _) = Login("SCRAM-SHA-1", "wonderland", "SCRAM-SHA-256", "SCRAM-SHA-1", "SCRAM-SHA-512");
        Assert.Equal(Action.Authed, answer.Action);
        Assert.Equal(["SCRAM-SHA-256", "SCRAM-SHA-1"], answer.SaslResult.Upgrade);
        Assert.Equal(Configured, answer.SaslResult.UpgradeIterations);

        var (none, _) = Login("SCRAM-SHA-256", "wonderland");
        Assert.Empty(none.SaslResult.Upgrade);
        var (wrong, _) = Login("SCRAM-SHA-256", "not it", "SCRAM-SHA-256");
        Assert.True(wrong.Failed); // nothing told before the proof holds
    }

    [Fact]
    public void An_upgrade_replaces_only_the_named_mechanisms_keys()
    {
        var before = Stored();
        var (_, proof) = Login("SCRAM-SHA-1", "wonderland", "SCRAM-SHA-256");
        var answer = Upgrade("SCRAM-SHA-1", proof, Keys("wonderland", Configured, ScramAlgorithm.Sha256));
        Assert.True(answer.SaslResult.Upgraded);
        var after = Stored();
        Assert.Equal(Configured, after.Single(c => c.Mechanism == "SCRAM-SHA-256").Iterations);
        var sha1 = after.Single(c => c.Mechanism == "SCRAM-SHA-1");
        Assert.Equal(Old, sha1.Iterations);
        Assert.Equal(before.Single(c => c.Mechanism == "SCRAM-SHA-1").StoredKey, sha1.StoredKey);
        // The new keys accept the same password.
        Assert.Equal(Action.Authed, Login("SCRAM-SHA-256", "wonderland").Answer.Action);
    }

    [Fact]
    public void Keys_at_another_count_a_wrong_proof_or_changed_keys_are_ignored()
    {
        var before = Stored();
        var (_, proof) = Login("SCRAM-SHA-256", "wonderland", "SCRAM-SHA-256", "SCRAM-SHA-1");
        Assert.False(Upgrade("SCRAM-SHA-256", proof, Keys("wonderland", Old * 3, ScramAlgorithm.Sha256)).SaslResult.Upgraded);

        var forged = new ScramProof(proof.AuthMessage, new byte[proof.ClientProof.Length]);
        Assert.False(Upgrade("SCRAM-SHA-256", forged, Keys("wonderland", Configured, ScramAlgorithm.Sha256)).SaslResult.Upgraded);
        Assert.Equal(before.Select(c => c.Iterations), Stored().Select(c => c.Iterations));

        // The password changed between the proof and the upgrade: the old proof no longer holds.
        _h.Request(Ctl, new Session { Action = Action.Passwd, Target = "alice@localhost", Credentials = CredentialsFor("new one", Old) });
        var changed = Stored();
        Assert.False(Upgrade("SCRAM-SHA-256", proof, Keys("wonderland", Configured, ScramAlgorithm.Sha256, ScramAlgorithm.Sha1)).SaslResult.Upgraded);
        Assert.Equal(changed.Select(c => c.Salt), Stored().Select(c => c.Salt));
    }
}
