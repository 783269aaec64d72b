using Xmpp.C2s.Protocol;

namespace Xmpp.C2s.Tests;

public sealed class StreamPreambleTests
{
    [Fact]
    public void Before_tls_only_starttls_is_offered_when_tls_is_required()
    {
        var features = StreamPreamble.Features(StreamStage.Connected, tlsOffered: true, tlsRequired: true, ["SCRAM-SHA-256"]);
        Assert.Equal("<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>", features);
    }

    [Fact]
    public void After_tls_the_mechanisms_are_offered()
    {
        var features = StreamPreamble.Features(StreamStage.Secured, tlsOffered: false, tlsRequired: true, ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"]);
        Assert.Equal("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-256</mechanism><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms></stream:features>", features);
    }

    [Fact]
    public void The_channel_binding_types_follow_the_mechanisms_xep_0440()
    {
        var features = StreamPreamble.Features(StreamStage.Secured, tlsOffered: false, tlsRequired: true,
            ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"], ["tls-server-end-point", "tls-unique"]);
        Assert.Equal("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>SCRAM-SHA-256</mechanism></mechanisms>" +
            "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-server-end-point'/><channel-binding type='tls-unique'/></sasl-channel-binding></stream:features>", features);
        Assert.DoesNotContain("sasl-channel-binding", StreamPreamble.Features(StreamStage.Secured, false, true, ["SCRAM-SHA-256"], []));
    }

    [Fact]
    public void In_band_registration_is_offered_beside_the_mechanisms_only_when_asked()
    {
        var on = StreamPreamble.Features(StreamStage.Secured, tlsOffered: false, tlsRequired: true, ["SCRAM-SHA-256"], registration: true);
        var off = StreamPreamble.Features(StreamStage.Secured, tlsOffered: false, tlsRequired: true, ["SCRAM-SHA-256"]);
        var afterAuth = StreamPreamble.Features(StreamStage.Authenticated, tlsOffered: false, tlsRequired: true, [], registration: true);
        Assert.Contains("</mechanisms><register xmlns='http://jabber.org/features/iq-register'/>", on);
        Assert.DoesNotContain("iq-register", off);
        Assert.DoesNotContain("iq-register", afterAuth);
    }

    [Fact]
    public void After_sasl_bind_and_optional_session_are_offered()
    {
        var features = StreamPreamble.Features(StreamStage.Authenticated, tlsOffered: false, tlsRequired: true, []);
        Assert.Contains("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>", features);
        Assert.Contains("<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>", features);
        Assert.Contains("<ver xmlns='urn:xmpp:features:rosterver'/>", features);
        Assert.Contains("<sub xmlns='urn:xmpp:features:pre-approval'/>", features);
        Assert.DoesNotContain("mechanisms", features);
        Assert.DoesNotContain("urn:xmpp:sm:3", features);
    }

    [Fact]
    public void Stream_management_is_offered_after_sasl_only_when_on()
    {
        Assert.Contains("<sm xmlns='urn:xmpp:sm:3'/>", StreamPreamble.Features(StreamStage.Authenticated, tlsOffered: false, tlsRequired: true, [], sm: true));
        Assert.DoesNotContain("urn:xmpp:sm:3", StreamPreamble.Features(StreamStage.Secured, tlsOffered: false, tlsRequired: true, ["PLAIN"], sm: true));
    }
}
