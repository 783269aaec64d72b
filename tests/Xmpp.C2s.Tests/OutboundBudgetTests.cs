using Xmpp.C2s.Connections;
using Xmpp.C2s.Protocol;

namespace Xmpp.C2s.Tests;

/// <summary>The byte and item accounting of one client's output (C2s:MaxOutboundBytes / MaxOutboundQueue), and the closing-tag scan of the close path.</summary>
public sealed class OutboundBudgetTests
{
    [Fact]
    public void Stanzas_count_until_the_byte_bound_and_a_refused_one_counts_nothing()
    {
        var budget = new OutboundBudget();
        Assert.True(budget.TryAdd(600, maxBytes: 1000, maxItems: 10));
        Assert.True(budget.TryAdd(400, maxBytes: 1000, maxItems: 10)); // exactly at the bound
        Assert.False(budget.TryAdd(1, maxBytes: 1000, maxItems: 10));
        Assert.Equal(1000, budget.Bytes);
        Assert.Equal(2, budget.Items);

        budget.Remove(1000, 2); // both written
        Assert.Equal(0, budget.Bytes);
        Assert.True(budget.TryAdd(1000, maxBytes: 1000, maxItems: 10));
    }

    [Fact]
    public void The_item_bound_holds_for_small_stanzas()
    {
        var budget = new OutboundBudget();
        for (var i = 0; i < 3; i++) Assert.True(budget.TryAdd(10, maxBytes: 1 << 20, maxItems: 3));
        Assert.False(budget.TryAdd(10, maxBytes: 1 << 20, maxItems: 3));
        Assert.Equal(30, budget.Bytes);
        Assert.Equal(3, budget.Items);
    }

    [Fact]
    public void Own_answers_always_count_and_push_stanzas_from_sm_out()
    {
        var budget = new OutboundBudget();
        budget.Add(900); // a stream error must go out whatever the bound
        Assert.False(budget.TryAdd(200, maxBytes: 1000, maxItems: 10));
        budget.Remove(900);
        Assert.True(budget.TryAdd(200, maxBytes: 1000, maxItems: 10));
    }

    [Fact]
    public void Concurrent_deliveries_never_pass_the_bound()
    {
        var budget = new OutboundBudget();
        var accepted = 0;
        Parallel.For(0, 10_000, _ =>
        {
            if (budget.TryAdd(100, maxBytes: 50_000, maxItems: int.MaxValue)) Interlocked.Increment(ref accepted);
        });
        Assert.Equal(500, accepted);
        Assert.Equal(50_000, budget.Bytes);
    }

    [Theory]
    [InlineData("</stream:stream>", true)]
    [InlineData("xxxx</stream:str", false)]
    [InlineData("<</stream:stream>", true)]
    [InlineData("</stream:stre</stream:stream>", true)]
    [InlineData("</stream:features>", false)]
    public void The_closing_tag_is_found_in_any_split(string text, bool expected)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var scanner = new ClosingTagScanner();
            var found = scanner.Feed(bytes.AsSpan(0, split)) | scanner.Feed(bytes.AsSpan(split));
            Assert.Equal(expected, found);
        }
    }
}
