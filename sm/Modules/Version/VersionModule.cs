using System.Reflection;
using System.Runtime.InteropServices;
using System.Xml.Linq;
using Xmpp.Sm.Core;

namespace Xmpp.Sm.Modules.Version;

/// <summary>
/// XEP-0092 Software Version of the server (to = the domain): name and version from "Sm:Version",
/// the operating system only when <see cref="VersionOptions.ShowOs"/> is set. With
/// <see cref="VersionOptions.Hide"/> the module declares nothing and answers nothing, so the query
/// gets the router's default &lt;service-unavailable/&gt;.
/// </summary>
public sealed class VersionModule(SmContext ctx) : IModule
{
    public const string Namespace = "jabber:iq:version";

    public string Name => "version";

    public void Load(HookTable hooks)
    {
        var options = ctx.Settings<VersionOptions>("Version");
        if (options.Hide) return;
        var answer = Answer(options, SmVersion(), RuntimeInformation.OSDescription);
        hooks.Disco.AddServerFeature(Namespace);
        hooks.Hook($"iq-get/host/{Namespace}:query", e =>
        {
            ctx.ReplyResult(e, new XElement(answer));
            return true;
        });
    }

    /// <summary>The &lt;query/&gt; answered for these settings.</summary>
    public static XElement Answer(VersionOptions options, string smVersion, string os)
    {
        XNamespace ns = Namespace;
        var query = new XElement(ns + "query",
            new XElement(ns + "name", options.Name),
            new XElement(ns + "version", options.Version.Length > 0 ? options.Version : smVersion));
        if (options.ShowOs) query.Add(new XElement(ns + "os", os));
        return query;
    }

    /// <summary>sm's informational version without the source revision suffix ("1.0.0+abc" -> "1.0.0").</summary>
    private static string SmVersion()
    {
        var version = typeof(VersionModule).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        var plus = version.IndexOf('+');
        return plus < 0 ? version : version[..plus];
    }
}
