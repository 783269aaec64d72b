using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace Xmpp.Common.Hosting;

/// <summary>
/// How Kestrel runs socket continuations in the router ("Transport:InlineScheduling").
/// Inline, a read or a flush continues on the socket engine's thread instead of hopping to
/// the thread pool: fewer thread hand-offs per stanza, lower latency. Our handlers never block
/// (they await every I/O), which is what inline scheduling requires.
/// </summary>
public static class SocketScheduling
{
    public const string Key = "Transport:InlineScheduling";

    public static void Configure(WebApplicationBuilder builder)
    {
        var inline = builder.Configuration.GetValue(Key, true);
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = inline);
    }
}
