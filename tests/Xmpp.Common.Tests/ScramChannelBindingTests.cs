using System.Text;
using Xmpp.Common.Sasl;

namespace Xmpp.Common.Tests;

/// <summary>
/// RFC 5802 §6 as ScramServer checks it: the gs2 channel binding flag against the mechanism and
/// what the connection offered, and c= of client-final-message against the gs2 header plus the
/// channel binding data the server computed itself.
/// </summary>
public sealed class ScramChannelBindingTests
{
    private static readonly byte[] EndPoint = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly ScramChannelBinding Offered = new(new Dictionary<string, byte[]> { ["tls-server-end-point"] = EndPoint });
    private static readonly ScramCredentialData Credential = ScramAlgorithm.Sha256.Derive("pencil", 1024);

    private static (ScramServer Server, ScramClient Client, string ServerFirst) Start(string flag, byte[]? clientData, bool plus, ScramChannelBinding binding,
        ScramFirstResult expected = ScramFirstResult.Ok)
    {
        var client = new ScramClient(ScramAlgorithm.Sha256, "user", "pencil").WithChannelBinding(flag, clientData);
        var server = new ScramServer(ScramAlgorithm.Sha256);
        Assert.Equal(expected, server.ReadClientFirst(client.ClientFirst(), plus, binding));
        return (server, client, expected == ScramFirstResult.Ok ? server.ServerFirst(Credential.Salt, Credential.Iterations) : "");
    }

    [Fact]
    public void A_plus_exchange_with_the_servers_own_binding_data_verifies_and_its_auth_message_carries_it()
    {
        var (server, client, serverFirst) = Start("p=tls-server-end-point", EndPoint, plus: true, Offered);
        var proof = server.ReadClientFinal(client.ClientFinal(serverFirst));
        Assert.NotNull(proof);
        var expected = Convert.ToBase64String([.. Encoding.UTF8.GetBytes("p=tls-server-end-point,,"), .. EndPoint]);
        Assert.Contains($",c={expected},r=", proof.AuthMessage);
        var signature = ScramVerifier.VerifyProof(Credential, proof.AuthMessage, proof.ClientProof);
        Assert.NotNull(signature);
        Assert.True(client.VerifyServerFinal(ScramServer.ServerFinal(signature)));
    }

    [Fact]
    public void Another_connections_binding_data_fails_before_any_proof_is_checked()
    {
        var other = EndPoint.Select(b => (byte)(b ^ 0xff)).ToArray(); // what a client behind a MITM sees
        var (server, client, serverFirst) = Start("p=tls-server-end-point", other, plus: true, Offered);
        Assert.Null(server.ReadClientFinal(client.ClientFinal(serverFirst)));
    }

    [Fact]
    public void A_client_final_with_the_gs2_header_alone_fails_on_a_plus_exchange()
    {
        // c= = base64("p=tls-server-end-point,,") without the data: not this connection's binding.
        var (server, client, serverFirst) = Start("p=tls-server-end-point", [], plus: true, Offered);
        Assert.Null(server.ReadClientFinal(client.ClientFinal(serverFirst)));
    }

    [Fact]
    public void Y_is_a_downgrade_when_plus_was_offered_and_fine_when_it_was_not()
    {
        Start("y", null, plus: false, Offered, ScramFirstResult.Downgrade);
        var (server, client, serverFirst) = Start("y", null, plus: false, ScramChannelBinding.None);
        Assert.NotNull(server.ReadClientFinal(client.ClientFinal(serverFirst)));
    }

    [Fact]
    public void N_is_fine_without_plus_even_when_plus_was_offered()
    {
        var (server, client, serverFirst) = Start("n", null, plus: false, Offered);
        Assert.NotNull(server.ReadClientFinal(client.ClientFinal(serverFirst)));
    }

    [Theory]
    [InlineData("n", true)]   // -PLUS without channel binding
    [InlineData("y", true)]
    [InlineData("p=tls-server-end-point", false)] // channel binding with a mechanism that is not -PLUS
    public void The_flag_must_match_the_mechanism(string flag, bool plus) =>
        Start(flag, EndPoint, plus, Offered, ScramFirstResult.ChannelBindingMismatch);

    [Theory]
    [InlineData("p=tls-unique")]
    [InlineData("p=tls-exporter")]
    public void A_type_the_connection_does_not_support_is_refused(string flag) =>
        Start(flag, EndPoint, plus: true, Offered, ScramFirstResult.UnsupportedChannelBinding);

    [Fact]
    public void Any_type_is_unsupported_without_tls()
    {
        Start("p=tls-server-end-point", EndPoint, plus: true, ScramChannelBinding.None, ScramFirstResult.UnsupportedChannelBinding);
        Assert.False(ScramChannelBinding.None.Offered);
        Assert.Empty(ScramChannelBinding.None.Types);
    }

    [Theory]
    [InlineData("p=,,n=user,r=abc")]
    [InlineData("p=tls unique,,n=user,r=abc")]
    [InlineData("x,,n=user,r=abc")]
    [InlineData("n,authzid,n=user,r=abc")]
    public void Malformed_gs2_headers_are_malformed(string message) =>
        Assert.Equal(ScramFirstResult.Malformed, new ScramServer(ScramAlgorithm.Sha256).ReadClientFirst(message, plus: true, Offered));

    [Fact]
    public void An_authzid_is_kept_in_the_gs2_header_the_proof_covers()
    {
        var server = new ScramServer(ScramAlgorithm.Sha256);
        Assert.Equal(ScramFirstResult.Ok, server.ReadClientFirst("p=tls-server-end-point,a=user@localhost,n=user,r=abc", plus: true, Offered));
        server.ServerFirst(Credential.Salt, Credential.Iterations);
        Assert.Null(server.ReadClientFinal("c=" + Convert.ToBase64String([.. Encoding.UTF8.GetBytes("p=tls-server-end-point,,"), .. EndPoint]) + ",r=x,p=" + Convert.ToBase64String(new byte[32])));
    }
}
