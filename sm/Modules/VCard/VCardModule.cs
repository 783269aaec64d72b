using System.Xml;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Modules.VCard;

/// <summary>
/// XEP-0054 vcard-temp, stored by sm as Prosody's mod_vcard does: a user sets their own vCard
/// (iq set with no 'to' or to their own bare JID; to anyone else: &lt;forbidden/&gt;) and gets it
/// back; anyone may get any account's vCard from its bare JID, answered by sm on the account's
/// behalf; an account without one answers an empty &lt;vCard/&gt; (§3.1), a JID that is no account
/// &lt;service-unavailable/&gt; (RFC 6121 §8.5.1). A vCard larger than <see cref="VCardOptions.MaxBytes"/>
/// is refused with &lt;not-acceptable/&gt;. XEP-0153 needs nothing more from the server: the PHOTO is
/// stored with the vCard and clients put the hash in their own presence (sm does not rewrite it).
/// </summary>
public sealed class VCardModule(SmContext ctx) : IStoringModule
{
    public const string Namespace = "vcard-temp";
    private static readonly XNamespace Ns = Namespace;

    private readonly VCardOptions _options = ctx.Settings<VCardOptions>("VCard");
    private readonly ILogger _logger = ctx.Logger("Xmpp.Sm.Modules.VCard");

    public string Name => "vcard";

    public ModuleSchema Schema { get; } = new("""
        CREATE TABLE vcard_cards (
            user   TEXT PRIMARY KEY,   -- bare JID
            vcard  BLOB NOT NULL       -- the <vCard xmlns='vcard-temp'/> element, UTF-8
        )
        """);

    public void Load(HookTable hooks)
    {
        hooks.Disco.AddServerFeature(Namespace);
        hooks.Hook($"iq-get/self/{Namespace}:vCard", e => Get(e, e.From.Bare));
        hooks.Hook($"iq-set/self/{Namespace}:vCard", Set);
        hooks.Hook($"iq-get/bare/{Namespace}:vCard", GetOther);
        hooks.Hook($"iq-set/bare/{Namespace}:vCard", e =>
        {
            _logger.LogDebug("vCard set by {User} for {Other} refused", e.From.Bare, e.To);
            FeatureTelemetry.Refused("vcard", "forbidden");
            ctx.ReplyError(e, StanzaErrors.Forbidden);
            return true;
        });
        // The server's own vCard (XEP-0054 §3.1 allows none): an empty one, as Prosody does without mod_server_contact_info.
        hooks.Hook($"iq-get/host/{Namespace}:vCard", e =>
        {
            ctx.ReplyResult(e, new XElement(Ns + "vCard"));
            return true;
        });
    }

    public void DeleteAccount(Jid user) =>
        ctx.Storage.Modules.Execute("DELETE FROM vcard_cards WHERE user = $user", ("$user", user.ToString()));

    private bool GetOther(StanzaEvent e)
    {
        var owner = e.To!.Bare;
        if (!ctx.UserExists(owner))
        {
            ctx.ReplyError(e, StanzaErrors.ServiceUnavailable);
            return true;
        }
        return Get(e, owner);
    }

    private bool Get(StanzaEvent e, Jid owner)
    {
        ctx.ReplyResult(e, Load(owner) ?? new XElement(Ns + "vCard"));
        return true;
    }

    private bool Set(StanzaEvent e)
    {
        var vcard = e.Payload!;
        var bytes = StanzaCodec.ToBytes(vcard);
        if (bytes.Length > _options.MaxBytes)
        {
            _logger.LogInformation("vCard of {User} refused: {Bytes} bytes, limit {Max}", e.From.Bare, bytes.Length, _options.MaxBytes);
            FeatureTelemetry.Refused("vcard", "size");
            ctx.Reply(e, StanzaErrors.Reply(e.Stanza, StanzaErrors.Modify, StanzaErrors.NotAcceptable, $"vCard larger than {_options.MaxBytes} bytes"));
            return true;
        }
        var user = e.From.Bare.ToString();
        if (!vcard.HasElements && !vcard.HasAttributes)
            ctx.Storage.Modules.Execute("DELETE FROM vcard_cards WHERE user = $user", ("$user", user)); // an empty vCard removes it
        else
            ctx.Storage.Modules.Execute("""
                INSERT INTO vcard_cards (user, vcard) VALUES ($user, $vcard)
                ON CONFLICT (user) DO UPDATE SET vcard = excluded.vcard
                """, ("$user", user), ("$vcard", bytes));
        ctx.ReplyResult(e);
        return true;
    }

    private XElement? Load(Jid owner)
    {
        var bytes = ctx.Storage.Modules.Scalar<byte[]>("SELECT vcard FROM vcard_cards WHERE user = $user", ("$user", owner.ToString()));
        if (bytes is null) return null;
        try
        {
            return StanzaCodec.Parse(bytes);
        }
        catch (XmlException ex)
        {
            _logger.LogWarning("Unreadable stored vCard of {User}: {Error}", owner, ex.Message);
            return null;
        }
    }
}
