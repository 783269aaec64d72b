using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;
using static Xmpp.Integration.Tests.Rfc6121.ImClient;

namespace Xmpp.Integration.Tests.Rfc6121;

/// <summary>RFC 6121 §5 and §8.5 message routing by type and address, and XEP-0160/XEP-0203 offline messages, over real sockets.</summary>
public sealed class Rfc6121MessageTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private static bool Message(System.Xml.Linq.XElement s, string id) => s.IsMessage() && s.Attr("id") == id;

    [Fact]
    public async Task Rfc6121_8_5_2_1_1_a_bare_jid_message_goes_to_all_resources_of_equal_highest_priority_and_never_to_negative_ones()
    {
        var romeo = await LoginAsync(await Cluster.NewUserAsync("romeo"), C2s1);
        var juliet = await Cluster.NewUserAsync("juliet");
        var balcony = await LoginAsync(juliet, C2s1, "balcony", presence: false);
        var chamber = await LoginAsync(juliet, C2s2, "chamber", presence: false);
        var garden = await LoginAsync(juliet, C2s2, "garden", presence: false);
        await balcony.SendAsync("<presence><priority>3</priority></presence>");
        await chamber.SendAsync("<presence><priority>3</priority></presence>");
        await garden.SendAsync("<presence><priority>-1</priority></presence>");
        foreach (var resource in new[] { balcony, chamber, garden }) await resource.AvailableAsync();

        foreach (var type in new[] { "chat", "normal" })
        {
            var id = $"eq-{type}";
            await romeo.SendAsync($"<message to='{juliet.Jid}' type='{type}' id='{id}'><body>to both</body></message>");
            var got = await balcony.ExpectAsync(s => Message(s, id));
            Assert.Equal(juliet.Jid, got.Attr("to")); // never rewritten to a full JID
            await chamber.ExpectAsync(s => Message(s, id));
            await AssertNothingAsync(romeo, garden, s => Message(s, id), "a bare-JID message (negative priority)");
        }

        // headline: every non-negative resource
        await romeo.SendAsync($"<message to='{juliet.Jid}' type='headline' id='news'><body>news</body></message>");
        await balcony.ExpectAsync(s => Message(s, "news"));
        await chamber.ExpectAsync(s => Message(s, "news"));
        await AssertNothingAsync(romeo, garden, s => Message(s, "news"), "a headline (negative priority)");

        // a full JID gets its message whatever its priority (§8.5.3.1)
        await romeo.SendAsync($"<message to='{garden.Jid}' type='chat' id='direct'><body>to the garden</body></message>");
        await garden.ExpectAsync(s => Message(s, "direct"));
    }

    [Fact]
    public async Task Rfc6121_8_5_2_2_1_only_negative_resources_means_offline_storage_for_chat_and_normal()
    {
        var romeo = await LoginAsync(await Cluster.NewUserAsync("romeo"), C2s1);
        var juliet = await Cluster.NewUserAsync("juliet");
        var bot = await LoginAsync(juliet, C2s2, "bot", presence: false);
        await bot.SendAsync("<presence><priority>-5</priority></presence>");
        await bot.PingServerAsync();

        await romeo.SendAsync($"<message to='{juliet.Jid}' type='chat' id='kept'><body>kept for later</body></message>");
        await AssertNothingAsync(romeo, bot, s => Message(s, "kept"), "the message (negative priority)");
        Assert.DoesNotContain(romeo.History, s => Message(s, "kept")); // no error: it was stored

        var phone = await LoginAsync(juliet, C2s1, "phone");
        var stored = await phone.ExpectAsync(s => Message(s, "kept"));
        Assert.NotNull(stored.DelayStamp());
    }

    [Fact]
    public async Task Rfc6121_8_5_3_2_1_to_an_absent_resource_chat_goes_to_the_bare_jid_normal_and_groupchat_get_service_unavailable()
    {
        var romeo = await LoginAsync(await Cluster.NewUserAsync("romeo"), C2s1);
        var juliet = await Cluster.NewUserAsync("juliet");
        var balcony = await (await LoginAsync(juliet, C2s2, "balcony")).AvailableAsync();

        await romeo.SendAsync($"<message to='{juliet.Jid}/gone' type='chat' id='c1'><body>chat</body></message>");
        var chat = await balcony.ExpectAsync(s => Message(s, "c1"));
        Assert.Equal($"{juliet.Jid}/gone", chat.Attr("to"));

        foreach (var (type, id) in new[] { ("normal", "n1"), ("groupchat", "g1") })
        {
            await romeo.SendAsync($"<message to='{juliet.Jid}/gone' type='{type}' id='{id}'><body>x</body></message>");
            var error = await romeo.ExpectAsync(s => Message(s, id));
            Assert.Equal(("error", "service-unavailable", $"{juliet.Jid}/gone"), (error.Attr("type"), error.ErrorCondition(), error.Attr("from")));
            await AssertNothingAsync(romeo, balcony, s => Message(s, id), $"a {type} message for another resource");
        }

        // headline and error: silently dropped, never answered
        await romeo.SendAsync($"<message to='{juliet.Jid}/gone' type='headline' id='h1'><body>x</body></message>");
        await romeo.SendAsync($"<message to='{juliet.Jid}/gone' type='error' id='e1'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
        await AssertNothingAsync(romeo, romeo, s => s.Attr("id") is "h1" or "e1", "an answer to a headline or an error");
        await AssertNothingAsync(romeo, balcony, s => s.Attr("id") is "h1" or "e1", "a headline or error for another resource");
    }

    [Fact]
    public async Task Rfc6121_8_5_2_1_1_groupchat_to_a_bare_jid_is_refused_and_errors_are_never_answered()
    {
        var romeo = await LoginAsync(await Cluster.NewUserAsync("romeo"), C2s1);
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s2);

        await romeo.SendAsync($"<message to='{juliet.BareJid}' type='groupchat' id='gc'><body>x</body></message>");
        var error = await romeo.ExpectAsync(s => Message(s, "gc"));
        Assert.Equal(("error", "cancel", "service-unavailable"), (error.Attr("type"), error.Elements().Single(e => e.Name.LocalName == "error").Attr("type"), error.ErrorCondition()));

        await romeo.SendAsync("<message to='nobody-here@localhost' type='error' id='err'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
        await AssertNothingAsync(romeo, romeo, s => s.Attr("id") == "err", "an error answering an error");
        await AssertNothingAsync(romeo, juliet, s => Message(s, "gc"), "a groupchat message");
    }

    [Fact]
    public async Task Xep0160_offline_messages_arrive_after_initial_presence_with_delay_stamps_and_a_full_store_answers_service_unavailable()
    {
        var sentAt = DateTimeOffset.UtcNow.AddSeconds(-1);
        var romeo = await LoginAsync(await Cluster.NewUserAsync("romeo"), C2s1);
        var juliet = await Cluster.NewUserAsync("juliet"); // offline

        // Sm:OfflineLimit is 1000 by default: 1000 are kept, the next one is refused
        const int limit = 1000;
        var batch = new System.Text.StringBuilder();
        for (var i = 0; i < limit; i++) batch.Append($"<message to='{juliet.Jid}' type='chat' id='o{i}'><body>#{i}</body></message>");
        await romeo.SendAsync(batch.ToString());
        await romeo.SendAsync($"<message to='{juliet.Jid}' type='chat' id='over'><body>one too many</body></message>");
        var refused = await romeo.ExpectAsync(s => Message(s, "over"), TimeSpan.FromSeconds(60));
        Assert.Equal(("error", "service-unavailable"), (refused.Attr("type"), refused.ErrorCondition()));
        Assert.DoesNotContain(romeo.History, s => s.IsMessage() && s.Attr("id") != "over" && s.Attr("type") == "error");

        var phone = await LoginAsync(juliet, C2s2, "phone", presence: false);
        await phone.PingServerAsync();
        Assert.DoesNotContain(phone.History, s => s.IsMessage());
        await phone.SendPresenceAsync();
        var last = await phone.ExpectAsync(s => Message(s, $"o{limit - 1}"), TimeSpan.FromSeconds(60));
        var messages = phone.History.Where(s => s.IsMessage()).ToArray();
        Assert.Equal(limit, messages.Length);
        Assert.Equal(Enumerable.Range(0, limit).Select(i => $"#{i}"), messages.Select(m => m.Body())); // in order
        foreach (var message in new[] { messages[0], last })
        {
            var delay = message.Child(Ns.Delay, "delay")!;
            Assert.Equal("localhost", delay.Attr("from"));
            Assert.InRange(message.DelayStamp()!.Value, sentAt, DateTimeOffset.UtcNow.AddSeconds(1));
        }
    }
}
