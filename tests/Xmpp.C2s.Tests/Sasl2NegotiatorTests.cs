using System.Text;
using System.Xml.Linq;
using Google.Protobuf;
using Xmpp.C2s.Sasl;
using Xmpp.Common.Sasl;
using Xmpp.Protos;
using Step = Xmpp.Protos.SaslStep.Types.Step;

namespace Xmpp.C2s.Tests;

/// <summary>XEP-0388 SASL2 and XEP-0480 upgrade tasks as c2s plays them, against a backend that answers as sm does.</summary>
public sealed class Sasl2NegotiatorTests
{
    /// <summary>sm in miniature: keys stay here; it offers upgrades for stale mechanisms and stores upgraded keys after re-checking the proof.</summary>
    private sealed class FakeSm : ISaslBackend
    {
        public Dictionary<string, List<ScramCredentialData>> Users { get; } = new();
        public List<SaslStep> Steps { get; } = [];
        public int Configured { get; set; } = 1024;

        public Task<SaslAnswer> CheckAsync(string bareJid, SaslStep step, CancellationToken ct)
        {
            Steps.Add(step.Clone());
            var stored = Users.GetValueOrDefault(bareJid);
            var credential = stored?.FirstOrDefault(c => c.Mechanism == step.Mechanism)
                             ?? ScramAlgorithm.ByMechanism(step.Mechanism)!.Derive("unguessable", Configured, new byte[16]);
            switch (step.Step)
            {
                case Step.ScramStart:
                    return Ok(new SaslResult { Salt = ByteString.CopyFrom(credential.Salt), Iterations = credential.Iterations });
                case Step.ScramProof:
                {
                    if (ScramVerifier.VerifyProof(credential, step.AuthMessage, step.ClientProof.ToByteArray()) is not { } sig || stored is null)
                        return Task.FromResult(new SaslAnswer(SaslVerdict.Failed));
                    var result = new SaslResult { ServerSignature = ByteString.CopyFrom(sig) };
                    var stale = step.Upgrade.Where(m => stored.FirstOrDefault(c => c.Mechanism == m)?.Iterations != Configured).ToList();
                    if (stale.Count > 0)
                    {
                        result.Upgrade.AddRange(stale);
                        result.UpgradeIterations = Configured;
                    }
                    return Ok(result);
                }
                case Step.ScramUpgrade:
                {
                    if (stored is null || ScramVerifier.VerifyProof(credential, step.AuthMessage, step.ClientProof.ToByteArray()) is null)
                        return Ok(new SaslResult { Upgraded = false });
                    foreach (var c in step.Rehash.Scram)
                    {
                        stored.RemoveAll(s => s.Mechanism == c.Mechanism);
                        stored.Add(new ScramCredentialData(c.Mechanism, c.Salt.ToByteArray(), c.Iterations, c.StoredKey.ToByteArray(), c.ServerKey.ToByteArray()));
                    }
                    return Ok(new SaslResult { Upgraded = true });
                }
                default:
                    return Ok(new SaslResult());
            }
        }

        private static Task<SaslAnswer> Ok(SaslResult result) => Task.FromResult(new SaslAnswer(SaslVerdict.Ok, result));

        public void Add(string bareJid, string password, int iterations) =>
            Users[bareJid] = [ScramAlgorithm.Sha256.Derive(password, iterations), ScramAlgorithm.Sha1.Derive(password, iterations)];
    }

    private static readonly XNamespace Sasl2 = Sasl2Namespaces.Sasl2;
    private static readonly XNamespace Upgrade = Sasl2Namespaces.Upgrade;
    private static readonly XNamespace Bind2 = Sasl2Namespaces.Bind2;
    private static readonly XNamespace ScramUpgrade = Sasl2Namespaces.ScramUpgrade;
    private readonly FakeSm _sm = new();

    public Sasl2NegotiatorTests() => _sm.Add("alice@localhost", "secret", 1024);

    private Sasl2Negotiator Negotiator() => new(new SaslNegotiator("localhost", secure: true, _sm), SaslNegotiator.Mechanisms(secure: true));

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
    private static string Decode(string b64) => Encoding.UTF8.GetString(Convert.FromBase64String(b64.Trim()));

    private static XElement Authenticate(string mechanism, string initial, params object[] children) =>
        new(Sasl2 + "authenticate", new XAttribute("mechanism", mechanism), new XElement(Sasl2 + "initial-response", B64(initial)), children);

    private static XElement Sent(Sasl2Outcome outcome) => XElement.Parse(Assert.IsType<Sasl2Outcome.Send>(outcome).Xml);

    /// <summary>authenticate + challenge + response: what comes after the proof.</summary>
    private static async Task<(Sasl2Outcome Outcome, ScramClient Client)> ScramAsync(Sasl2Negotiator negotiator, ScramAlgorithm algorithm, string password, params object[] children)
    {
        var client = new ScramClient(algorithm, "alice", password);
        var challenge = Sent(await negotiator.HandleAsync(Authenticate(algorithm.Mechanism, client.ClientFirst(), children), default));
        Assert.Equal(Sasl2 + "challenge", challenge.Name);
        var final = client.ClientFinal(Decode(challenge.Value));
        return (await negotiator.HandleAsync(new XElement(Sasl2 + "response", B64(final)), default), client);
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-1")]
    public async Task Scram_login_succeeds_with_the_server_final_as_additional_data(string mechanism)
    {
        var negotiator = Negotiator();
        var (outcome, client) = await ScramAsync(negotiator, ScramAlgorithm.ByMechanism(mechanism)!, "secret",
            new XElement(Sasl2 + "user-agent", new XAttribute("id", "d4565fa7-4d72-4749-b3d3-740edbf87770"), new XElement(Sasl2 + "software", "AwesomeXMPP")),
            new XElement(Bind2 + "bind", new XElement(Bind2 + "tag", "AwesomeXMPP"), new XElement(XName.Get("enable", Sasl2Namespaces.Carbons))));
        var done = Assert.IsType<Sasl2Outcome.Authenticated>(outcome);
        Assert.Equal("alice", done.LocalPart);
        Assert.True(client.VerifyServerFinal(Decode(done.AdditionalData!)));
        Assert.Equal("d4565fa7-4d72-4749-b3d3-740edbf87770", done.Request.UserAgentId);
        Assert.Equal("AwesomeXMPP", done.Request.Software);
        Assert.Equal("AwesomeXMPP", done.Request.Bind!.Tag);
        Assert.True(done.Request.Bind.EnableCarbons);
        Assert.False(negotiator.InProgress);
    }

    [Fact]
    public async Task A_wrong_password_fails_counted_and_the_client_may_try_again()
    {
        var negotiator = Negotiator();
        var (outcome, _) = await ScramAsync(negotiator, ScramAlgorithm.Sha256, "wrong");
        var failure = Assert.IsType<Sasl2Outcome.Failure>(outcome);
        Assert.Equal("not-authorized", failure.Condition);
        Assert.True(failure.CountsAsAttempt);
        Assert.False(negotiator.InProgress);
        var (again, _) = await ScramAsync(negotiator, ScramAlgorithm.Sha256, "secret");
        Assert.IsType<Sasl2Outcome.Authenticated>(again);
    }

    [Fact]
    public async Task Plain_succeeds_without_additional_data()
    {
        var outcome = await Negotiator().HandleAsync(Authenticate("PLAIN", "\0alice\0secret"), default);
        var done = Assert.IsType<Sasl2Outcome.Authenticated>(outcome);
        Assert.Equal("alice", done.LocalPart);
        Assert.Null(done.AdditionalData);
    }

    [Fact]
    public async Task A_mechanism_or_upgrade_task_not_offered_fails_the_authentication()
    {
        var mechanism = Assert.IsType<Sasl2Outcome.Failure>(await Negotiator().HandleAsync(Authenticate("DIGEST-MD5", "x"), default));
        Assert.Equal("invalid-mechanism", mechanism.Condition);
        var task = Assert.IsType<Sasl2Outcome.Failure>(await Negotiator().HandleAsync(
            Authenticate("PLAIN", "\0alice\0secret", new XElement(Upgrade + "upgrade", "UPGR-SCRAM-SHA-512")), default));
        Assert.Equal("invalid-mechanism", task.Condition);
        Assert.Empty(_sm.Steps); // nothing reached sm
    }

    [Fact]
    public async Task Abort_answers_aborted_counts_and_tells_sm()
    {
        var negotiator = Negotiator();
        var client = new ScramClient(ScramAlgorithm.Sha256, "alice", "secret");
        Sent(await negotiator.HandleAsync(Authenticate("SCRAM-SHA-256", client.ClientFirst()), default));
        var failure = Assert.IsType<Sasl2Outcome.Failure>(await negotiator.HandleAsync(new XElement(Sasl2 + "abort"), default));
        Assert.Equal("aborted", failure.Condition);
        Assert.True(failure.CountsAsAttempt);
        Assert.Contains(_sm.Steps, s => s.Step == Step.Abort);
        Assert.False(negotiator.InProgress);
    }

    [Fact]
    public async Task Anything_else_during_authentication_is_a_violation()
    {
        var negotiator = Negotiator();
        var client = new ScramClient(ScramAlgorithm.Sha256, "alice", "secret");
        Sent(await negotiator.HandleAsync(Authenticate("SCRAM-SHA-256", client.ClientFirst()), default));
        Assert.IsType<Sasl2Outcome.Violation>(await negotiator.HandleAsync(new XElement(Sasl2 + "next", new XAttribute("task", "UPGR-SCRAM-SHA-256")), default));
        Assert.IsType<Sasl2Outcome.Violation>(await negotiator.HandleAsync(new XElement(XName.Get("iq", "jabber:client")), default));
    }

    [Fact]
    public async Task No_upgrade_when_the_keys_already_have_the_configured_count()
    {
        var (outcome, _) = await ScramAsync(Negotiator(), ScramAlgorithm.Sha256, "secret", new XElement(Upgrade + "upgrade", "UPGR-SCRAM-SHA-256"));
        Assert.IsType<Sasl2Outcome.Authenticated>(outcome);
        Assert.DoesNotContain(_sm.Steps, s => s.Step == Step.ScramUpgrade);
    }

    [Fact]
    public async Task Upgrade_tasks_follow_the_xep_and_store_keys_derived_from_the_salted_passwords()
    {
        _sm.Configured = 2048; // the stored keys (1024) are stale now
        var negotiator = Negotiator();
        var (outcome, client) = await ScramAsync(negotiator, ScramAlgorithm.Sha1, "secret",
            new XElement(Upgrade + "upgrade", "UPGR-SCRAM-SHA-256"), new XElement(Upgrade + "upgrade", "UPGR-SCRAM-SHA-1"));
        Assert.Equal(["SCRAM-SHA-256", "SCRAM-SHA-1"], _sm.Steps.Single(s => s.Step == Step.ScramProof).Upgrade);

        foreach (var (task, algorithm, first) in new[] { ("UPGR-SCRAM-SHA-256", ScramAlgorithm.Sha256, true), ("UPGR-SCRAM-SHA-1", ScramAlgorithm.Sha1, false) })
        {
            var cont = Sent(outcome);
            Assert.Equal(Sasl2 + "continue", cont.Name);
            Assert.Equal([task], cont.Element(Sasl2 + "tasks")!.Elements(Sasl2 + "task").Select(t => t.Value));
            var data = cont.Element(Sasl2 + "additional-data");
            if (first) Assert.True(client.VerifyServerFinal(Decode(data!.Value))); // SCRAM's server-final goes with the first <continue/>
            else Assert.Null(data);

            var taskData = Sent(await negotiator.HandleAsync(new XElement(Sasl2 + "next", new XAttribute("task", task)), default));
            var salt = taskData.Element(ScramUpgrade + "salt")!;
            Assert.Equal(Sasl2 + "task-data", taskData.Name);
            Assert.Equal("2048", (string?)salt.Attribute("iterations"));
            var saltBytes = Convert.FromBase64String(salt.Value);
            Assert.Equal(16, saltBytes.Length);
            var hash = algorithm.SaltedPassword("secret", saltBytes, 2048);
            Assert.DoesNotContain(_sm.Steps, s => s.Step == Step.ScramUpgrade); // nothing stored before the last task
            outcome = await negotiator.HandleAsync(new XElement(Sasl2 + "task-data", new XElement(ScramUpgrade + "hash", Convert.ToBase64String(hash))), default);
        }

        var done = Assert.IsType<Sasl2Outcome.Authenticated>(outcome);
        Assert.Null(done.AdditionalData);
        Assert.True(negotiator.Stored);
        var upgrade = Assert.Single(_sm.Steps, s => s.Step == Step.ScramUpgrade);
        Assert.Equal("SCRAM-SHA-1", upgrade.Mechanism); // the login's proof, checked again by sm
        Assert.Equal(2, upgrade.Rehash.Scram.Count);
        foreach (var stored in _sm.Users["alice@localhost"])
        {
            Assert.Equal(2048, stored.Iterations);
            var expected = ScramAlgorithm.ByMechanism(stored.Mechanism)!.Derive("secret", 2048, stored.Salt);
            Assert.Equal(expected.StoredKey, stored.StoredKey);
            Assert.Equal(expected.ServerKey, stored.ServerKey);
        }
    }

    [Fact]
    public async Task A_malformed_hash_or_another_task_fails()
    {
        _sm.Configured = 2048;
        var negotiator = Negotiator();
        var (outcome, _) = await ScramAsync(negotiator, ScramAlgorithm.Sha256, "secret", new XElement(Upgrade + "upgrade", "UPGR-SCRAM-SHA-256"));
        Sent(outcome);
        var wrongTask = Assert.IsType<Sasl2Outcome.Failure>(await negotiator.HandleAsync(new XElement(Sasl2 + "next", new XAttribute("task", "UPGR-SCRAM-SHA-1")), default));
        Assert.Equal("invalid-mechanism", wrongTask.Condition);

        (outcome, _) = await ScramAsync(negotiator, ScramAlgorithm.Sha256, "secret", new XElement(Upgrade + "upgrade", "UPGR-SCRAM-SHA-256"));
        Sent(outcome);
        Sent(await negotiator.HandleAsync(new XElement(Sasl2 + "next", new XAttribute("task", "UPGR-SCRAM-SHA-256")), default));
        var shortHash = Assert.IsType<Sasl2Outcome.Failure>(await negotiator.HandleAsync(
            new XElement(Sasl2 + "task-data", new XElement(ScramUpgrade + "hash", Convert.ToBase64String(new byte[20]))), default));
        Assert.Equal("malformed-request", shortHash.Condition);
        Assert.DoesNotContain(_sm.Steps, s => s.Step == Step.ScramUpgrade);
        Assert.Equal(1024, _sm.Users["alice@localhost"][0].Iterations);
    }
}
