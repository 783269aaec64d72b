using System.Xml;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Modules.PrivateStorage;

/// <summary>
/// XEP-0049 private XML storage (jabber:iq:private): an account stores XML fragments on the
/// server, each kept under its element name and namespace (as Prosody's mod_private does), and
/// gets them back; a get for a fragment never stored returns the empty element asked for.
/// Only the account itself: to another JID &lt;forbidden/&gt; (the XEP's preferred condition).
/// A fragment without a namespace or in a reserved one ('jabber:*', 'http://jabber.org/*',
/// 'vcard-temp') gets &lt;not-acceptable/&gt;, a get naming no fragment (or several) &lt;bad-request/&gt;,
/// and a set that would take the account past <see cref="PrivateStorageOptions.MaxBytesPerAccount"/>
/// &lt;not-acceptable/&gt; with a text.
/// </summary>
public sealed class PrivateStorageModule(SmContext ctx) : IStoringModule
{
    public const string Namespace = "jabber:iq:private";
    private static readonly XNamespace Ns = Namespace;

    private readonly PrivateStorageOptions _options = ctx.Settings<PrivateStorageOptions>("PrivateStorage");
    private readonly ILogger _logger = ctx.Logger("Xmpp.Sm.Modules.PrivateStorage");

    public string Name => "private";

    public ModuleSchema Schema { get; } = new("""
        CREATE TABLE private_fragments (
            user      TEXT NOT NULL,   -- bare JID
            ns        TEXT NOT NULL,   -- the fragment's namespace
            name      TEXT NOT NULL,   -- its element name
            fragment  BLOB NOT NULL,   -- the element, UTF-8
            PRIMARY KEY (user, ns, name)
        )
        """);

    public void Load(HookTable hooks)
    {
        hooks.Disco.AddServerFeature(Namespace);
        hooks.Hook($"iq-get/self/{Namespace}:query", Get);
        hooks.Hook($"iq-set/self/{Namespace}:query", Set);
        hooks.Hook($"iq-get/bare/{Namespace}:query", Forbidden);
        hooks.Hook($"iq-set/bare/{Namespace}:query", Forbidden);
    }

    public void DeleteAccount(Jid user) =>
        ctx.Storage.Modules.Execute("DELETE FROM private_fragments WHERE user = $user", ("$user", user.ToString()));

    /// <summary>XEP-0049 §3 reserves these namespaces.</summary>
    public static bool IsReserved(string ns) =>
        ns.Length == 0 || ns.StartsWith("jabber:", StringComparison.Ordinal) || ns.StartsWith("http://jabber.org/", StringComparison.Ordinal) || ns == "vcard-temp";

    private bool Forbidden(StanzaEvent e)
    {
        _logger.LogDebug("Private storage of {Other} refused to {User}", e.To, e.From.Bare);
        Refuse(e, StanzaErrors.Forbidden, "forbidden");
        return true;
    }

    private bool Get(StanzaEvent e)
    {
        var asked = e.Payload!.Elements().ToArray();
        if (asked.Length != 1)
        {
            Refuse(e, StanzaErrors.BadRequest, "shape");
            return true;
        }
        var fragment = asked[0];
        if (IsReserved(fragment.Name.NamespaceName))
        {
            Refuse(e, StanzaErrors.NotAcceptable, "reserved");
            return true;
        }
        var stored = Load(e.From.Bare, fragment.Name) ?? new XElement(fragment.Name);
        ctx.ReplyResult(e, new XElement(Ns + "query", stored));
        return true;
    }

    private bool Set(StanzaEvent e)
    {
        var fragments = e.Payload!.Elements().ToArray();
        if (fragments.Length == 0 || fragments.Any(f => IsReserved(f.Name.NamespaceName)))
        {
            Refuse(e, StanzaErrors.NotAcceptable, fragments.Length == 0 ? "shape" : "reserved");
            return true;
        }
        var user = e.From.Bare.ToString();
        var encoded = fragments.Select(f => (f.Name, Bytes: StanzaCodec.ToBytes(f))).ToArray();
        var replaced = encoded.Select(f => f.Name).Distinct().Sum(name => ctx.Storage.Modules.Scalar<long?>(
            "SELECT length(fragment) FROM private_fragments WHERE user = $user AND ns = $ns AND name = $name",
            ("$user", user), ("$ns", name.NamespaceName), ("$name", name.LocalName)) ?? 0);
        var total = ctx.Storage.Modules.Scalar<long?>("SELECT sum(length(fragment)) FROM private_fragments WHERE user = $user", ("$user", user)) ?? 0;
        var after = total - replaced + encoded.GroupBy(f => f.Name).Sum(g => (long)g.Last().Bytes.Length);
        if (after > _options.MaxBytesPerAccount)
        {
            _logger.LogInformation("Private storage of {User} refused: {Bytes} bytes after the set, limit {Max}", e.From.Bare, after, _options.MaxBytesPerAccount);
            FeatureTelemetry.Refused(Name, "size");
            ctx.Reply(e, StanzaErrors.Reply(e.Stanza, StanzaErrors.Modify, StanzaErrors.NotAcceptable, $"private storage is limited to {_options.MaxBytesPerAccount} bytes per account"));
            return true;
        }
        using (var tx = ctx.Storage.Transactions.Begin())
        {
            foreach (var (name, bytes) in encoded)
                ctx.Storage.Modules.Execute("""
                    INSERT INTO private_fragments (user, ns, name, fragment) VALUES ($user, $ns, $name, $fragment)
                    ON CONFLICT (user, ns, name) DO UPDATE SET fragment = excluded.fragment
                    """, ("$user", user), ("$ns", name.NamespaceName), ("$name", name.LocalName), ("$fragment", bytes));
            tx.Commit();
        }
        ctx.ReplyResult(e);
        return true;
    }

    private XElement? Load(Jid user, XName name)
    {
        var bytes = ctx.Storage.Modules.Scalar<byte[]>("SELECT fragment FROM private_fragments WHERE user = $user AND ns = $ns AND name = $name",
            ("$user", user.ToString()), ("$ns", name.NamespaceName), ("$name", name.LocalName));
        if (bytes is null) return null;
        try
        {
            return StanzaCodec.Parse(bytes);
        }
        catch (XmlException ex)
        {
            _logger.LogWarning("Unreadable private fragment {Name} of {User}: {Error}", name, user, ex.Message);
            return null;
        }
    }

    private void Refuse(StanzaEvent e, string condition, string reason)
    {
        FeatureTelemetry.Refused(Name, reason);
        ctx.ReplyError(e, condition);
    }
}
