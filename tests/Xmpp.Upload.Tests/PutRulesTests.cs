using Xmpp.Upload.Protocol;
using Xmpp.Upload.Storage;

namespace Xmpp.Upload.Tests;

public sealed class PutRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Slot Open = new("slot-id-123", "alice@localhost", "a.txt", 100, "text/plain", Now, Now.AddMinutes(5));

    [Fact]
    public void A_put_of_the_announced_size_and_type_within_the_lifetime_may_go_ahead()
    {
        Assert.Null(PutRules.Check(Open, "a.txt", Now.AddMinutes(1), 100, "text/plain"));
        Assert.Null(PutRules.Check(Open, "a.txt", Now, 100, "Text/Plain"));
        Assert.Null(PutRules.Check(Open, "a.txt", Now, 100, null)); // no Content-Type: the slot's is used
    }

    [Theory]
    [InlineData("a.txt", 100, "text/plain", 4, 404, "unknown-slot")]       // no such slot
    [InlineData("b.txt", 100, "text/plain", 0, 404, "unknown-slot")]       // another file name
    [InlineData("a.txt", 100, "text/plain", 1, 409, "used")]               // uploaded already
    [InlineData("a.txt", 100, "text/plain", 2, 410, "expired")]            // after the slot's lifetime
    [InlineData("a.txt", -1, "text/plain", 0, 411, "no-length")]           // chunked, no Content-Length
    [InlineData("a.txt", 99, "text/plain", 0, 400, "length-mismatch")]
    [InlineData("a.txt", 101, "text/plain", 0, 413, "length-mismatch")]
    [InlineData("a.txt", 100, "image/png", 0, 400, "type-mismatch")]
    public void A_put_the_slot_does_not_allow_is_refused(string name, long length, string type, int state, int status, string reason)
    {
        Slot? slot = state switch
        {
            1 => Open with { CompletedAt = Now, FileExpiresAt = Now.AddDays(1) },
            4 => null,
            _ => Open,
        };
        var at = state == 2 ? Open.SlotExpiresAt : Now;
        var refusal = PutRules.Check(slot, name, at, length < 0 ? null : length, type);
        Assert.NotNull(refusal);
        Assert.Equal((status, reason), (refusal.Status, refusal.Reason));
    }
}
