using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace Xmpp.Common.Hosting;

/// <summary>
/// How Kestrel runs socket continuations in the router ("Transport:InlineScheduling", off by
/// default). Inline (Kestrel's SocketTransportOptions.UnsafePreferInlineScheduling), a read or a
/// flush continues on the socket engine's thread instead of hopping to the thread pool: fewer
/// thread hand-offs per stanza, lower latency under a benchmark's load, but any handler that
/// blocks stalls every socket of that engine thread. A benchmark tuning, so an option: off unless
/// an operator turns it on (docs/BENCHMARKS.md).
/// </summary>
public static class SocketScheduling
{
    public const string Key = "Transport:InlineScheduling";

    public static void Configure(WebApplicationBuilder builder)
    {
        var inline = builder.Configuration.GetValue(Key, false);
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = inline);
    }
}
