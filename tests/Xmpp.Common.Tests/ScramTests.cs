using System.Text;
using Xmpp.Common.Sasl;

namespace Xmpp.Common.Tests;

public class ScramTests
{
    // RFC 5802 §5
    private const string Sha1ClientNonce = "fyko+d2lbbFgONRv9qkxdawL";
    private const string Sha1ServerNonce = "3rfcNHYJY1ZVvWVs7j";
    private const string Sha1Salt = "QSXCR+Q6sek8bf92";
    private const string Sha1ServerFirst = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
    private const string Sha1ClientFinal = "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
    private const string Sha1ServerFinal = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";

    // RFC 7677 §3
    private const string Sha256ClientNonce = "rOprNGfwEbeRWgbNEkqO";
    private const string Sha256ServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private const string Sha256Salt = "W22ZaJ0SNY7soEsUEjb6gQ==";
    private const string Sha256ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string Sha256ClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string Sha256ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    public static TheoryData<string> Mechanisms => new() { "SCRAM-SHA-1", "SCRAM-SHA-256" };

    /// <summary>c2s's half (the exchange) and sm's half (the proof against the keys) put together: server-final-message, or null.</summary>
    private static string? Finish(ScramServer server, string clientFinal, ScramCredentialData credential) =>
        server.ReadClientFinal(clientFinal) is { } proof && ScramVerifier.VerifyProof(credential, proof.AuthMessage, proof.ClientProof) is { } signature
            ? ScramServer.ServerFinal(signature)
            : null;

    private static (string ClientNonce, string ServerNonce, string Salt, string ServerFirst, string ClientFinal, string ServerFinal) Vector(ScramAlgorithm a) =>
        a == ScramAlgorithm.Sha1
            ? (Sha1ClientNonce, Sha1ServerNonce, Sha1Salt, Sha1ServerFirst, Sha1ClientFinal, Sha1ServerFinal)
            : (Sha256ClientNonce, Sha256ServerNonce, Sha256Salt, Sha256ServerFirst, Sha256ClientFinal, Sha256ServerFinal);

    [Theory]
    [MemberData(nameof(Mechanisms))]
    public void Client_ReproducesRfcTestVector(string mechanism)
    {
        var algorithm = ScramAlgorithm.ByMechanism(mechanism)!;
        var v = Vector(algorithm);
        var client = new ScramClient(algorithm, "user", "pencil", v.ClientNonce);
        Assert.Equal("n,,n=user,r=" + v.ClientNonce, client.ClientFirst());
        Assert.Equal(v.ClientFinal, client.ClientFinal(v.ServerFirst));
        Assert.True(client.VerifyServerFinal(v.ServerFinal));
        Assert.False(client.VerifyServerFinal("v=" + Convert.ToBase64String(new byte[algorithm.HashSize])));
        Assert.False(client.VerifyServerFinal("e=invalid-proof"));
        Assert.False(client.VerifyServerFinal("v=not base64!"));
    }

    [Theory]
    [MemberData(nameof(Mechanisms))]
    public void Server_ReproducesRfcTestVector(string mechanism)
    {
        var algorithm = ScramAlgorithm.ByMechanism(mechanism)!;
        var v = Vector(algorithm);
        var credential = algorithm.Derive("pencil", 4096, Convert.FromBase64String(v.Salt));
        var server = new ScramServer(algorithm, v.ServerNonce);
        Assert.True(server.ReadClientFirst("n,,n=user,r=" + v.ClientNonce));
        Assert.Equal("user", server.Username);
        Assert.Equal(v.ServerFirst, server.ServerFirst(credential.Salt, credential.Iterations));
        Assert.Equal(v.ServerFinal, Finish(server, v.ClientFinal, credential));
    }

    [Fact]
    public void Derive_MatchesRfc5802Keys()
    {
        // StoredKey/ServerKey of the RFC 5802 example, as checked by the server vector above; here the
        // primitives themselves: SaltedPassword is PBKDF2-HMAC-SHA-1 of "pencil".
        var salted = ScramAlgorithm.Sha1.SaltedPassword("pencil", Convert.FromBase64String(Sha1Salt), 4096);
        Assert.Equal("HZbuOlKbWl+eR8AfIposuKbhX30=", Convert.ToBase64String(salted));
        var credential = ScramAlgorithm.Sha1.Derive("pencil", 4096, Convert.FromBase64String(Sha1Salt));
        Assert.Equal("SCRAM-SHA-1", credential.Mechanism);
        Assert.Equal(4096, credential.Iterations);
        Assert.Equal(20, credential.StoredKey.Length);
        Assert.Equal(ScramAlgorithm.Sha1.H(ScramAlgorithm.Sha1.Hmac(salted, "Client Key")), credential.StoredKey);
    }

    [Theory]
    [MemberData(nameof(Mechanisms))]
    public void RoundTrip_ClientAndServer_Succeed(string mechanism)
    {
        var algorithm = ScramAlgorithm.ByMechanism(mechanism)!;
        var credential = algorithm.Derive("s3cr\u00e9t, =pass", iterations: 4096);
        var client = new ScramClient(algorithm, "al,ice=x", "s3cr\u00e9t, =pass");
        var server = new ScramServer(algorithm);

        var first = client.ClientFirst();
        Assert.Contains("n=al=2Cice=3Dx,", first);
        Assert.True(server.ReadClientFirst(first));
        Assert.Equal("al,ice=x", server.Username);
        var serverFirst = server.ServerFirst(credential.Salt, credential.Iterations);
        var final = client.ClientFinal(serverFirst);
        var serverFinal = Finish(server, final, credential);
        Assert.NotNull(serverFinal);
        Assert.True(client.VerifyServerFinal(serverFinal));
    }

    [Theory]
    [MemberData(nameof(Mechanisms))]
    public void WrongPassword_Fails(string mechanism)
    {
        var algorithm = ScramAlgorithm.ByMechanism(mechanism)!;
        var credential = algorithm.Derive("right", iterations: 4096);
        var client = new ScramClient(algorithm, "bob", "wrong");
        var server = new ScramServer(algorithm);
        Assert.True(server.ReadClientFirst(client.ClientFirst()));
        var final = client.ClientFinal(server.ServerFirst(credential.Salt, credential.Iterations));
        Assert.NotNull(server.ReadClientFinal(final)); // well-formed: only the keys can tell
        Assert.Null(Finish(server, final, credential));
    }

    [Fact]
    public void TamperedFinalMessages_Fail()
    {
        var algorithm = ScramAlgorithm.Sha256;
        var credential = algorithm.Derive("pencil", 4096, Convert.FromBase64String(Sha256Salt));

        ScramServer Fresh()
        {
            var s = new ScramServer(algorithm, Sha256ServerNonce);
            Assert.True(s.ReadClientFirst("n,,n=user,r=" + Sha256ClientNonce));
            s.ServerFirst(credential.Salt, credential.Iterations);
            return s;
        }

        Assert.Null(Fresh().ReadClientFinal(Sha256ClientFinal.Replace("r=rOpr", "r=xOpr")));     // nonce
        Assert.Null(Fresh().ReadClientFinal(Sha256ClientFinal.Replace("c=biws", "c=eSws")));     // channel binding
        Assert.Null(Finish(Fresh(), Sha256ClientFinal.Replace("p=dHzb", "p=dHza"), credential)); // proof: sm's check
        Assert.Null(Fresh().ReadClientFinal(Sha256ClientFinal[..Sha256ClientFinal.IndexOf(",p=")])); // no proof
        Assert.Null(Fresh().ReadClientFinal("c=biws,r=x,p=@@@"));
        Assert.Null(Fresh().ReadClientFinal(Sha256ClientFinal.Replace("p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "p=AAAA"))); // proof of the wrong size
        Assert.NotNull(Finish(Fresh(), Sha256ClientFinal, credential));
    }

    [Theory]
    [InlineData("")]
    [InlineData("n")]
    [InlineData("p=tls-unique,,n=user,r=abc")]
    [InlineData("x,,n=user,r=abc")]
    [InlineData("n,,n=user")]
    [InlineData("n,,r=abc")]
    [InlineData("n,,m=ext,n=user,r=abc")]
    [InlineData("n,,n=us=3Xer,r=abc")]
    public void MalformedClientFirst_IsRefused(string message)
    {
        Assert.False(new ScramServer(ScramAlgorithm.Sha256).ReadClientFirst(message));
    }

    [Fact]
    public void Client_RefusesServerNonceNotExtendingItsOwn()
    {
        var client = new ScramClient(ScramAlgorithm.Sha1, "user", "pencil", Sha1ClientNonce);
        client.ClientFirst();
        Assert.Throws<InvalidOperationException>(() => client.ClientFinal("r=other,s=QSXCR+Q6sek8bf92,i=4096"));
        Assert.Throws<InvalidOperationException>(() => client.ClientFinal("r=" + Sha1ClientNonce + ",s=QSXCR+Q6sek8bf92,i=4096"));
        Assert.False(client.VerifyServerFinal(Sha1ServerFinal)); // no exchange completed
    }

    [Fact]
    public void DecodeSaslName_HandlesEscapes()
    {
        Assert.Equal("a,b=c", ScramServer.DecodeSaslName("a=2Cb=3Dc"));
        Assert.Null(ScramServer.DecodeSaslName("a=2"));
        Assert.Null(ScramServer.DecodeSaslName("a=41"));
    }

    [Fact]
    public void ByMechanism_KnowsBoth()
    {
        Assert.Same(ScramAlgorithm.Sha1, ScramAlgorithm.ByMechanism("SCRAM-SHA-1"));
        Assert.Same(ScramAlgorithm.Sha256, ScramAlgorithm.ByMechanism("SCRAM-SHA-256"));
        Assert.Null(ScramAlgorithm.ByMechanism("PLAIN"));
        Assert.Equal(32, ScramAlgorithm.Sha256.HashSize);
    }

    [Fact]
    public void Plain_ParsesMessage()
    {
        var m = PlainVerifier.Parse(Encoding.UTF8.GetBytes("authz\0juliet\0pass w\u00f6rd"));
        Assert.NotNull(m);
        Assert.Equal("authz", m.AuthzId);
        Assert.Equal("juliet", m.AuthcId);
        Assert.Equal("pass w\u00f6rd", m.Password);

        var noAuthz = PlainVerifier.Parse(Encoding.UTF8.GetBytes("\0juliet\0pw"));
        Assert.Equal("", noAuthz!.AuthzId);

        Assert.Null(PlainVerifier.Parse(Encoding.UTF8.GetBytes("juliet\0pw")));
        Assert.Null(PlainVerifier.Parse(Encoding.UTF8.GetBytes("\0\0pw")));
        Assert.Null(PlainVerifier.Parse(Encoding.UTF8.GetBytes("\0juliet\0")));
        Assert.Null(PlainVerifier.Parse(Encoding.UTF8.GetBytes("a\0b\0c\0d")));
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-1")]
    public void Keys_from_a_salted_password_are_the_keys_derived_from_the_password(string mechanism)
    {
        // XEP-0480: the client sends SaltedPassword, the server derives StoredKey and ServerKey from it.
        var algorithm = ScramAlgorithm.ByMechanism(mechanism)!;
        var salt = new byte[16];
        salt[3] = 7;
        var derived = algorithm.Derive("pencil", 4096, salt);
        var fromHash = algorithm.FromSaltedPassword(algorithm.SaltedPassword("pencil", salt, 4096), salt, 4096);
        Assert.Equal(derived.StoredKey, fromHash.StoredKey);
        Assert.Equal(derived.ServerKey, fromHash.ServerKey);
        Assert.Equal((mechanism, 4096), (fromHash.Mechanism, fromHash.Iterations));
        Assert.Throws<ArgumentException>(() => algorithm.FromSaltedPassword(new byte[algorithm.HashSize - 1], salt, 4096));
    }
}
