using System.Net;
using System.Xml.Linq;
using Xmpp.C2s.Registration;

namespace Xmpp.C2s.Tests;

/// <summary>XEP-0077 requests as c2s classifies them, and the per-address registration limit.</summary>
public sealed class RegistrationRequestTests
{
    private static XElement Iq(string type, string inner) =>
        XElement.Parse($"<iq xmlns='jabber:client' type='{type}' id='r'><query xmlns='jabber:iq:register'>{inner}</query></iq>");

    [Theory]
    [InlineData("<username>Bill</username><password>pw</password>", "bill@localhost")]
    [InlineData("<username> bob </username><password>pw</password>", "bob@localhost")]
    public void A_set_with_a_valid_name_is_a_registration_with_the_nodeprepped_name(string inner, string jid)
    {
        var kind = Assert.IsType<RegistrationRequest.Kind.Register>(RegistrationRequest.Classify(Iq("set", inner), "localhost"));
        Assert.Equal(jid, kind.User.ToString());
        Assert.Equal("pw", kind.Password);
    }

    [Theory]
    [InlineData("<username>a b</username><password>pw</password>")]
    [InlineData("<username>a@b</username><password>pw</password>")]
    [InlineData("<username>a/b</username><password>pw</password>")]
    [InlineData("<username>x</username>")]
    [InlineData("<password>pw</password>")]
    [InlineData("<username></username><password>pw</password>")]
    public void A_bad_or_missing_field_is_not_acceptable(string inner)
    {
        var kind = Assert.IsType<RegistrationRequest.Kind.Invalid>(RegistrationRequest.Classify(Iq("set", inner), "localhost"));
        Assert.Equal("not-acceptable", kind.Condition);
    }

    [Fact]
    public void A_get_is_the_form_and_remove_is_a_removal()
    {
        Assert.IsType<RegistrationRequest.Kind.Form>(RegistrationRequest.Classify(Iq("get", ""), "localhost"));
        Assert.IsType<RegistrationRequest.Kind.Remove>(RegistrationRequest.Classify(Iq("set", "<remove/>"), "localhost"));
        Assert.True(RegistrationRequest.Is(Iq("get", ""), "localhost"));
        Assert.False(RegistrationRequest.Is(XElement.Parse("<iq xmlns='jabber:client' type='get' to='other.example'><query xmlns='jabber:iq:register'/></iq>"), "localhost"));
        Assert.False(RegistrationRequest.Is(XElement.Parse("<iq xmlns='jabber:client' type='result'><query xmlns='jabber:iq:register'/></iq>"), "localhost"));
    }

    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void The_limiter_allows_the_limit_per_address_in_a_sliding_window()
    {
        var clock = new Clock();
        var limiter = new RegistrationLimiter(new RegistrationOptions { PerAddressLimit = 2, PerAddressWindow = TimeSpan.FromMinutes(10) }, clock);
        var a = IPAddress.Parse("192.0.2.1");

        Assert.True(limiter.TryAcquire(a));
        clock.Now += TimeSpan.FromMinutes(5);
        Assert.True(limiter.TryAcquire(a));
        Assert.False(limiter.TryAcquire(a));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.0.2.2")));
        clock.Now += TimeSpan.FromMinutes(5); // the first has left the window
        Assert.True(limiter.TryAcquire(a));
        Assert.False(limiter.TryAcquire(a));
    }

    [Fact]
    public void The_limiter_forgets_the_least_recent_address_beyond_its_bound()
    {
        var limiter = new RegistrationLimiter(new RegistrationOptions { PerAddressLimit = 1, PerAddressMaxTracked = 2 });
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.0.2.1")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.0.2.2")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.0.2.3")));
        Assert.Equal(2, limiter.Tracked);
    }
}
