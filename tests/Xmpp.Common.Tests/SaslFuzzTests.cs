using System.Text;
using CsCheck;
using Xmpp.Common.Sasl;

namespace Xmpp.Common.Tests;

/// <summary>
/// Property-based tests (CsCheck) of the SASL message parsing: SCRAM client-first and client-final
/// messages (<see cref="ScramServer"/>) and PLAIN payloads (<see cref="PlainVerifier"/>). Random and
/// mutated messages never throw (the failure is false / null), and nothing but the exact right
/// message with the right proof succeeds. Cases found are kept as facts at the end.
/// </summary>
public sealed class SaslFuzzTests
{
    private static readonly int Iterations = FuzzSettings.Iterations(500);
    private const int KdfIterations = 16; // PBKDF2 rounds of the test credentials: the properties are about parsing

    private static readonly Gen<ScramAlgorithm> Algorithm = Gen.OneOf(Gen.Const(ScramAlgorithm.Sha1), Gen.Const(ScramAlgorithm.Sha256));

    private static readonly Gen<string> Piece = Gen.OneOf(
        Gen.Const("n"), Gen.Const("y"), Gen.Const("p"), Gen.Const(","), Gen.Const("="), Gen.Const("=2C"), Gen.Const("=3D"), Gen.Const("=2"),
        Gen.Const("n="), Gen.Const("r="), Gen.Const("c="), Gen.Const("p="), Gen.Const("m="), Gen.Const("a="), Gen.Const("biws"),
        Gen.Const("user"), Gen.Const("é"), Gen.Const("\0"), Gen.Const("\uD83D"), Gen.Const("AAAA"), Gen.Const("===="));

    private static readonly Gen<string> Junk = Gen.Frequency((4, Piece.Array[0, 12].Select(string.Concat)), (1, Gen.String));

    private static readonly Gen<string> Name = Gen.OneOf(Gen.Const("user"), Gen.Const("juliet"), Gen.Const("a,b"), Gen.Const("x=y"), Gen.Const("é☺"));

    private static readonly Gen<string> Password = Gen.OneOf(Gen.Const("secret"), Gen.Const("pencil"), Gen.Const("pässword"), Gen.Const("\uFFFD"), Gen.Const("a b,c=d"));

    /// <summary>1-3 character edits: replace, delete, or insert (SCRAM's syntax characters or any).</summary>
    private static Gen<string> Mutated(string source) =>
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, Math.Max(0, source.Length - 1)], Gen.Frequency((3, Gen.OneOf(Gen.Const(','), Gen.Const('='), Gen.Const('p'), Gen.Const('A'), Gen.Const('/'), Gen.Const('+'))), (1, Gen.Char)))
            .Array[1, 3]
            .Select(edits =>
            {
                var sb = new StringBuilder(source);
                foreach (var (kind, at, c) in edits)
                {
                    var i = Math.Min(at, Math.Max(0, sb.Length - 1));
                    switch (kind)
                    {
                        case 0 when sb.Length > 0: sb[i] = c; break;
                        case 1 when sb.Length > 0: sb.Remove(i, 1); break;
                        default: sb.Insert(i, c); break;
                    }
                }
                return sb.ToString();
            });

    // ---- SCRAM ----

    [Fact]
    public void Random_client_first_messages_never_throw()
    {
        Gen.Select(Algorithm, Junk).Sample((algorithm, message) =>
        {
            var server = new ScramServer(algorithm);
            if (server.ReadClientFirst(message)) Assert.NotEmpty(server.Username);
        }, iter: Iterations, threads: 1, print: t => t.Item2);
    }

    [Fact]
    public void Mutated_client_first_messages_never_throw()
    {
        Gen.Select(Algorithm, Name).SelectMany((algorithm, name) =>
                Mutated(new ScramClient(algorithm, name, "secret").ClientFirst()).Select(m => (algorithm, m)))
            .Sample((algorithm, message) =>
            {
                var server = new ScramServer(algorithm);
                if (server.ReadClientFirst(message)) Assert.NotEmpty(server.Username);
            }, iter: Iterations, threads: 1, print: t => t.Item2);
    }

    /// <summary>One exchange up to client-final: the server after server-first, the client's honest client-final, and the account's keys.</summary>
    private static (ScramServer Server, string ClientFinal, ScramCredentialData Credential) Exchange(ScramAlgorithm algorithm, string name, string password, string clientPassword)
    {
        var credential = algorithm.Derive(password, KdfIterations);
        var client = new ScramClient(algorithm, name, clientPassword);
        var server = new ScramServer(algorithm);
        Assert.True(server.ReadClientFirst(client.ClientFirst()));
        Assert.Equal(name, server.Username);
        return (server, client.ClientFinal(server.ServerFirst(credential.Salt, credential.Iterations)), credential);
    }

    /// <summary>What the client would read: c2s parses client-final, sm verifies the proof against <paramref name="credential"/>; null on failure.</summary>
    private static string? Answer(ScramServer server, string clientFinal, ScramCredentialData credential) =>
        server.ReadClientFinal(clientFinal) is { } proof && ScramVerifier.VerifyProof(credential, proof.AuthMessage, proof.ClientProof) is { } signature
            ? ScramServer.ServerFinal(signature)
            : null;

    [Fact]
    public void The_right_password_succeeds_and_a_wrong_one_never_does()
    {
        Gen.Select(Algorithm, Name, Password, Password).Sample((algorithm, name, password, tried) =>
        {
            var (server, final, credential) = Exchange(algorithm, name, password, tried);
            var answer = Answer(server, final, credential);
            if (tried == password) Assert.StartsWith("v=", answer);
            else Assert.Null(answer);
        }, iter: FuzzSettings.Iterations(300), threads: 1);
    }

    [Fact]
    public void A_mutated_client_final_message_never_throws_and_never_succeeds()
    {
        Gen.Select(Algorithm, Name, Password)
            .Select((algorithm, name, password) => Exchange(algorithm, name, password, password))
            .SelectMany(exchange => Mutated(exchange.ClientFinal).Select(m => (exchange.Server, exchange.ClientFinal, exchange.Credential, Mutated: m)))
            .Sample(t =>
            {
                var answer = Answer(t.Server, t.Mutated, t.Credential);
                if (t.Mutated != t.ClientFinal) Assert.Null(answer);
            }, iter: FuzzSettings.Iterations(300), threads: 1, print: t => $"{t.ClientFinal} -> {t.Mutated}");
    }

    [Fact]
    public void A_random_proof_never_succeeds_and_a_decoy_credential_never_does_either()
    {
        Gen.Select(Algorithm, Gen.Byte.Array[0, 40], Gen.Bool).Sample((algorithm, proof, decoy) =>
        {
            var (server, final, credential) = Exchange(algorithm, "user", "secret", "secret");
            var withoutProof = final[..final.LastIndexOf(",p=", StringComparison.Ordinal)];
            Assert.Null(Answer(server, $"{withoutProof},p={Convert.ToBase64String(proof)}", credential));
            if (decoy)
            {
                // An unknown user: sm checks against keys of its fake salt that no password made; the "right" proof fails too.
                var (again, honest, real) = Exchange(algorithm, "user", "secret", "secret");
                var fake = new ScramCredentialData(real.Mechanism, real.Salt, real.Iterations, new byte[algorithm.HashSize], new byte[algorithm.HashSize]);
                Assert.Null(Answer(again, honest, fake));
            }
        }, iter: FuzzSettings.Iterations(300), threads: 1);
    }

    [Fact]
    public void Random_client_final_messages_never_throw()
    {
        Gen.Select(Algorithm, Junk).Sample((algorithm, message) =>
        {
            var (server, _, _) = Exchange(algorithm, "user", "secret", "secret");
            Assert.Null(server.ReadClientFinal(message));
            Assert.Null(new ScramServer(algorithm).ReadClientFinal(message)); // before client-first
        }, iter: FuzzSettings.Iterations(300), threads: 1, print: t => t.Item2);
    }

    // ---- PLAIN ----

    private static readonly Gen<string> PlainPart = Gen.OneOf(Gen.Const(""), Gen.Const("user"), Gen.Const("juliet@example.com"), Gen.Const("é☺"), Gen.Const("\uFFFD"), Gen.Const("a b"));

    [Fact]
    public void Random_plain_payloads_never_throw_and_what_parses_is_exactly_the_bytes()
    {
        Gen.Frequency(
                (2, Gen.Byte.Array[0, 40]),
                (2, Gen.Select(PlainPart, PlainPart, PlainPart).Select((a, b, c) => Encoding.UTF8.GetBytes($"{a}\0{b}\0{c}")).SelectMany(MutatedBytes)))
            .Sample(bytes =>
            {
                if (PlainVerifier.Parse(bytes) is not { } plain) return;
                Assert.NotEmpty(plain.AuthcId);
                Assert.NotEmpty(plain.Password);
                // Nothing lost or replaced: two different payloads never parse to the same credentials.
                Assert.Equal(bytes, Encoding.UTF8.GetBytes($"{plain.AuthzId}\0{plain.AuthcId}\0{plain.Password}"));
            }, iter: Iterations, threads: 1, print: b => Convert.ToHexString(b));
    }

    [Fact]
    public void Well_formed_plain_payloads_parse_to_their_parts()
    {
        Gen.Select(PlainPart, PlainPart.Where(p => p.Length > 0), PlainPart.Where(p => p.Length > 0)).Sample((authz, authc, password) =>
        {
            var plain = PlainVerifier.Parse(Encoding.UTF8.GetBytes($"{authz}\0{authc}\0{password}"));
            Assert.Equal(new PlainVerifier.PlainMessage(authz, authc, password), plain);
        }, iter: FuzzSettings.Iterations(200), threads: 1);
    }

    private static Gen<byte[]> MutatedBytes(byte[] source) =>
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, Math.Max(0, source.Length - 1)], Gen.Frequency((3, Gen.OneOf(Gen.Const((byte)0), Gen.Const((byte)0xFF), Gen.Const((byte)0xC3), Gen.Const((byte)0x80), Gen.Const((byte)'a'))), (1, Gen.Byte)))
            .Array[0, 2]
            .Select(edits =>
            {
                var bytes = source.ToList();
                foreach (var (kind, at, b) in edits)
                {
                    var i = Math.Min(at, Math.Max(0, bytes.Count - 1));
                    switch (kind)
                    {
                        case 0 when bytes.Count > 0: bytes[i] = b; break;
                        case 1 when bytes.Count > 0: bytes.RemoveAt(i); break;
                        default: bytes.Insert(i, b); break;
                    }
                }
                return bytes.ToArray();
            });
}

/// <summary>Cases the SASL properties found, spelled out.</summary>
public sealed class SaslFuzzRegressionTests
{
    [Fact]
    public void A_plain_payload_with_invalid_utf8_is_refused_and_does_not_match_a_password_with_a_replacement_character()
    {
        byte[] payload = [0x00, (byte)'u', (byte)'s', (byte)'e', (byte)'r', 0x00, 0xFF]; // found: 0xFF was read as U+FFFD
        Assert.Null(PlainVerifier.Parse(payload));

        Assert.Equal("\uFFFD", PlainVerifier.Parse([0x00, (byte)'u', 0x00, 0xEF, 0xBF, 0xBD])!.Password); // the real U+FFFD
        Assert.Null(PlainVerifier.Parse([0x00, (byte)'u', 0x00, 0xC3])); // a truncated sequence
        Assert.Null(PlainVerifier.Parse([0x00, (byte)'u', 0x00, 0xED, 0xA0, 0xBD])); // an encoded surrogate
    }

    [Fact]
    public void A_scram_proof_with_whitespace_inside_is_malformed()
    {
        // Found: "p=QwnNk4fN nZNWM83Cm07lMqK2tDA=" was accepted, the base64 decoder skipping the space.
        foreach (var inject in new[] { " ", "\t", "\n", "\r\n" })
        {
            var credential = ScramAlgorithm.Sha1.Derive("pencil", 16);
            var client = new ScramClient(ScramAlgorithm.Sha1, "user", "pencil");
            var server = new ScramServer(ScramAlgorithm.Sha1);
            Assert.True(server.ReadClientFirst(client.ClientFirst()));
            var final = client.ClientFinal(server.ServerFirst(credential.Salt, credential.Iterations));
            var proofAt = final.LastIndexOf(",p=", StringComparison.Ordinal) + 3;
            Assert.Null(server.ReadClientFinal(final.Insert(proofAt + 8, inject)));
            var proof = server.ReadClientFinal(final); // the same exchange, well formed
            Assert.NotNull(proof);
            Assert.NotNull(ScramVerifier.VerifyProof(credential, proof.AuthMessage, proof.ClientProof));
        }
    }
}
