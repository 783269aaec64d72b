using System.Globalization;
using System.Xml.Linq;
using Xmpp.Sm.Core;

namespace Xmpp.Sm.Modules.Time;

/// <summary>
/// XEP-0202 Entity Time of the server (to = the domain): UTC in XEP-0082 format with
/// milliseconds, and the server's offset, always "+00:00" (sm keeps time in UTC and does not
/// disclose the host's time zone).
/// </summary>
public sealed class TimeModule(SmContext ctx) : IModule
{
    public const string Namespace = "urn:xmpp:time";

    public string Name => "time";

    public void Load(HookTable hooks)
    {
        hooks.Disco.AddServerFeature(Namespace);
        hooks.Hook($"iq-get/host/{Namespace}:time", e =>
        {
            ctx.ReplyResult(e, Answer(ctx.Clock.GetUtcNow()));
            return true;
        });
    }

    /// <summary>&lt;time xmlns='urn:xmpp:time'&gt;&lt;tzo&gt;+00:00&lt;/tzo&gt;&lt;utc&gt;2026-12-06T21:52:00.123Z&lt;/utc&gt;&lt;/time&gt;</summary>
    public static XElement Answer(DateTimeOffset now)
    {
        XNamespace ns = Namespace;
        return new XElement(ns + "time",
            new XElement(ns + "tzo", "+00:00"),
            new XElement(ns + "utc", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)));
    }
}
