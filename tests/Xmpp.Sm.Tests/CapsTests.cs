using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Sm.Modules.Caps;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>XEP-0115 caps per resource: §5 verification, the query and its answer, the cache, errors and timeouts.</summary>
public sealed class CapsTests : IDisposable
{
    private static readonly XNamespace Info = Ns.DiscoInfo;
    private const string Node = "https://example.org/client";
    private const string Tune = "http://jabber.org/protocol/tune";
    private readonly ManualClock _clock = new();
    private readonly SmHarness _h;

    public CapsTests()
    {
        _h = new SmHarness(clock: _clock, settings: new Dictionary<string, string?> { ["Sm:Caps:QueryTimeoutSeconds"] = "30" });
        _h.CreateUser("alice");
        _h.CreateUser("bob");
    }

    public void Dispose() => _h.Dispose();

    private const string SimpleExample = """
        <query xmlns='http://jabber.org/protocol/disco#info' node='http://code.google.com/p/exodus#QgayPKawpkPSDYmwT/WM94uAlu0='>
          <identity category='client' name='Exodus 0.9.1' type='pc'/>
          <feature var='http://jabber.org/protocol/caps'/>
          <feature var='http://jabber.org/protocol/disco#info'/>
          <feature var='http://jabber.org/protocol/disco#items'/>
          <feature var='http://jabber.org/protocol/muc'/>
        </query>
        """;

    private const string ComplexExample = """
        <query xmlns='http://jabber.org/protocol/disco#info' node='http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w='>
          <identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>
          <identity xml:lang='el' category='client' name='Ψ 0.11' type='pc'/>
          <feature var='http://jabber.org/protocol/caps'/>
          <feature var='http://jabber.org/protocol/disco#info'/>
          <feature var='http://jabber.org/protocol/disco#items'/>
          <feature var='http://jabber.org/protocol/muc'/>
          <x xmlns='jabber:x:data' type='result'>
            <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>
            <field var='ip_version'><value>ipv4</value><value>ipv6</value></field>
            <field var='os'><value>Mac</value></field>
            <field var='os_version'><value>10.5.1</value></field>
            <field var='software'><value>Psi</value></field>
            <field var='software_version'><value>0.11</value></field>
          </x>
        </query>
        """;

    [Fact]
    public void The_verification_strings_of_the_xep_examples_are_reproduced()
    {
        Assert.Equal("QgayPKawpkPSDYmwT/WM94uAlu0=", CapsHash.Compute(XElement.Parse(SimpleExample), "sha-1"));
        Assert.Equal("q07IKJEyjvHSyhy//CH0CxmKi8w=", CapsHash.Compute(XElement.Parse(ComplexExample), "sha-1"));
    }

    [Fact]
    public void An_answer_with_a_duplicate_feature_has_no_verification_string()
    {
        var query = XElement.Parse(SimpleExample);
        query.Add(new XElement(Info + "feature", new XAttribute("var", "http://jabber.org/protocol/muc")));
        Assert.Null(CapsHash.Compute(query, "sha-1"));
        Assert.Null(CapsHash.Compute(XElement.Parse(SimpleExample), "md5")); // not an algorithm this server computes
    }

    [Fact]
    public void The_cache_is_bounded_and_forgets_the_least_recently_used_entry()
    {
        var cache = new CapsCache(2);
        var features = new HashSet<string> { "a" };
        cache.Put("sha-1", "one", features);
        cache.Put("sha-1", "two", features);
        Assert.NotNull(cache.Get("sha-1", "one")); // "two" is now the least recently used
        Assert.True(cache.Put("sha-1", "three", features));
        Assert.Null(cache.Get("sha-1", "two"));
        Assert.NotNull(cache.Get("sha-1", "one"));
        Assert.Equal(2, cache.Count);
    }

    private static string Features(params string[] features) =>
        "<identity category='client' type='pc' name='test'/>" + string.Concat(features.Select(f => $"<feature var='{f}'/>"));

    private static string Ver(params string[] features) =>
        CapsHash.Compute(XElement.Parse($"<query xmlns='{Ns.DiscoInfo}'>{Features(features)}</query>"), "sha-1")!;

    private XElement? SendCaps(Client client, string ver, string hash = "sha-1")
    {
        var frames = _h.Send(client, $"<presence><c xmlns='{CapsModule.Namespace}' hash='{hash}' node='{Node}' ver='{ver}'/></presence>");
        return StanzasTo(frames, client).SingleOrDefault(s => s.Name == C("iq"));
    }

    private void Answer(Client client, XElement query, string features) =>
        _h.Send(client, $"<iq type='result' id='{query.Attribute("id")!.Value}' to='{query.Attribute("from")!.Value}'>" +
                        $"<query xmlns='{Ns.DiscoInfo}' node='{query.Element(Info + "query")!.Attribute("node")!.Value}'>{features}</query></iq>");

    [Fact]
    public void An_unknown_ver_is_asked_from_the_resource_and_once_verified_serves_other_resources_without_a_query()
    {
        var phone = _h.Start("alice@localhost/phone");
        var ver = Ver(Tune, Tune + "+notify");
        var query = SendCaps(phone, ver);
        Assert.NotNull(query);
        Assert.Equal("get", (string?)query.Attribute("type"));
        Assert.Equal("alice@localhost", (string?)query.Attribute("from"));
        Assert.Equal("alice@localhost/phone", (string?)query.Attribute("to"));
        Assert.Equal($"{Node}#{ver}", (string?)query.Element(Info + "query")?.Attribute("node"));
        Answer(phone, query, Features(Tune, Tune + "+notify"));

        var desk = _h.Start("bob@localhost/desk");
        Assert.Null(SendCaps(desk, ver)); // cached
    }

    [Fact]
    public void An_answer_that_does_not_hash_to_its_ver_is_not_trusted_for_other_resources()
    {
        var phone = _h.Start("alice@localhost/phone");
        var claimed = Ver(Tune);
        var query = SendCaps(phone, claimed)!;
        Answer(phone, query, Features(Tune, Tune + "+notify", "urn:example:extra")); // not what the ver says

        var desk = _h.Start("bob@localhost/desk");
        Assert.NotNull(SendCaps(desk, claimed)); // asked again
    }

    [Fact]
    public void A_resource_waiting_on_another_resources_query_asks_itself_when_that_one_errs_and_after_a_timeout_the_ver_is_asked_again()
    {
        var phone = _h.Start("alice@localhost/phone");
        var desk = _h.Start("bob@localhost/desk");
        var ver = Ver(Tune, Tune + "+notify");
        var first = SendCaps(phone, ver)!;
        Assert.Null(SendCaps(desk, ver)); // the same ver is already being asked
        var frames = _h.Send(phone, $"<iq type='error' id='{first.Attribute("id")!.Value}' to='alice@localhost'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        var deskQuery = StanzasTo(frames, desk).Single(s => s.Name == C("iq"));
        Assert.Equal("bob@localhost/desk", (string?)deskQuery.Attribute("to"));

        // Nobody answers; after Sm:Caps:QueryTimeoutSeconds a new resource with that ver is asked.
        _clock.Now += TimeSpan.FromSeconds(31);
        var laptop = _h.Start("alice@localhost/laptop");
        Assert.NotNull(SendCaps(laptop, ver));
    }

    [Fact]
    public void Someone_elses_answer_with_a_guessed_id_is_not_taken_as_the_resources_caps()
    {
        var phone = _h.Start("alice@localhost/phone");
        var bob = _h.Start("bob@localhost/desk");
        var ver = Ver(Tune, Tune + "+notify");
        var query = SendCaps(phone, ver)!;
        // bob answers the id sm sent alice: it is not consumed as caps (it goes on as an iq result to alice's bare JID, which nobody handles).
        _h.Send(bob, $"<iq type='result' id='{query.Attribute("id")!.Value}' to='alice@localhost'><query xmlns='{Ns.DiscoInfo}'>{Features(Tune, Tune + "+notify")}</query></iq>");
        var other = _h.Start("alice@localhost/other");
        Assert.Null(SendCaps(other, ver)); // still waiting for alice/phone's own answer, not cached from bob's
        Answer(phone, query, Features(Tune, Tune + "+notify"));
        var third = _h.Start("bob@localhost/third");
        Assert.Null(SendCaps(third, ver));
    }

    [Fact]
    public void A_resource_changing_its_caps_has_one_query_out_and_a_late_answer_to_the_old_one_is_not_used()
    {
        var phone = _h.Start("alice@localhost/phone");
        var oldVer = Ver(Tune);
        var oldQuery = SendCaps(phone, oldVer)!;
        Assert.NotNull(SendCaps(phone, Ver(Tune, Tune + "+notify"))); // the old query is abandoned
        Answer(phone, oldQuery, Features(Tune)); // too late: not taken, not cached
        var desk = _h.Start("bob@localhost/desk");
        Assert.NotNull(SendCaps(desk, oldVer));
    }
}
