using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;

namespace Xmpp.Sm.Modules.ExternalServices;

/// <summary>
/// XEP-0215 External Service Discovery (urn:xmpp:extdisco:2) from "Sm:ExternalServices": a user's
/// &lt;services/&gt; query to the server lists the configured STUN/TURN services (narrowed by its
/// 'type' attribute, §3.1), and a &lt;credentials/&gt; query names one service by host (and type)
/// and gets its credentials (§3.3; an unknown service: &lt;item-not-found/&gt;). A service with a
/// shared secret gets time-limited credentials for the asking user (TURN REST API, as Prosody's
/// mod_turn_external makes them: HMAC-SHA1 from .NET's cryptography, username "&lt;expiry&gt;:&lt;user&gt;").
/// </summary>
public sealed class ExternalServicesModule(SmContext ctx) : IModule
{
    public const string Namespace = "urn:xmpp:extdisco:2";
    private static readonly XNamespace Ns = Namespace;

    private readonly ExternalServicesOptions _options = ctx.Settings<ExternalServicesOptions>("ExternalServices");

    public string Name => "externalservices";

    public void Load(HookTable hooks)
    {
        if (_options.Services.Count == 0) return; // nothing to offer: not announced, queries get service-unavailable
        hooks.Disco.AddServerFeature(Namespace);
        hooks.Hook($"iq-get/host/{Namespace}:services", Services);
        hooks.Hook($"iq-get/host/{Namespace}:credentials", Credentials);
    }

    private bool Services(StanzaEvent e)
    {
        var type = (string?)e.Payload!.Attribute("type");
        var services = new XElement(Ns + "services");
        if (type is not null) services.SetAttributeValue("type", type);
        foreach (var service in _options.Services.Where(s => type is null || s.Type == type))
            services.Add(Describe(service, e.From, withCredentials: true));
        ctx.ReplyResult(e, services);
        return true;
    }

    private bool Credentials(StanzaEvent e)
    {
        var asked = e.Payload!.Element(Ns + "service");
        var host = (string?)asked?.Attribute("host");
        var type = (string?)asked?.Attribute("type");
        if (host is null)
        {
            ctx.ReplyError(e, StanzaErrors.BadRequest);
            return true;
        }
        var service = _options.Services.FirstOrDefault(s => s.Host == host && (type is null || s.Type == type));
        if (service is null)
        {
            ctx.ReplyError(e, StanzaErrors.ItemNotFound);
            return true;
        }
        ctx.ReplyResult(e, new XElement(Ns + "credentials", Describe(service, e.From, withCredentials: true)));
        return true;
    }

    private XElement Describe(ExternalService service, Jid user, bool withCredentials)
    {
        var element = new XElement(Ns + "service", new XAttribute("type", service.Type), new XAttribute("host", service.Host));
        if (service.Port > 0) element.SetAttributeValue("port", service.Port.ToString(CultureInfo.InvariantCulture));
        if (service.Transport.Length > 0) element.SetAttributeValue("transport", service.Transport);
        if (service.Name.Length > 0) element.SetAttributeValue("name", service.Name);
        if (!withCredentials) return element;
        if (service.Secret.Length > 0)
        {
            var expires = ctx.Clock.GetUtcNow().AddSeconds(_options.CredentialsTtlSeconds);
            var (username, password) = RestCredentials(service.Secret, user.Bare.ToString(), expires);
            element.SetAttributeValue("username", username);
            element.SetAttributeValue("password", password);
            element.SetAttributeValue("expires", expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            element.SetAttributeValue("restricted", "1");
        }
        else if (service.Username.Length > 0)
        {
            element.SetAttributeValue("username", service.Username);
            element.SetAttributeValue("password", service.Password);
        }
        return element;
    }

    /// <summary>The TURN REST API's credentials: username "&lt;unix expiry&gt;:&lt;user&gt;", password base64(HMAC-SHA1(secret, username)).</summary>
    public static (string Username, string Password) RestCredentials(string secret, string user, DateTimeOffset expires)
    {
        var username = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + ":" + user;
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username));
        return (username, Convert.ToBase64String(mac));
    }
}
