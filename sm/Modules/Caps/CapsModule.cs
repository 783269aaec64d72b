using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Modules.Caps;

/// <summary>A resource's features (from its XEP-0115 caps) changed; <see cref="Pep"/> sends the last items of nodes it now wants.</summary>
public sealed record CapsChanged(SmSession Session, IReadOnlySet<string> Before, IReadOnlySet<string> After);

/// <summary>
/// XEP-0115 entity capabilities, tracked per resource: each available presence a session sends
/// with &lt;c xmlns='http://jabber.org/protocol/caps'/&gt; names its features by a verification
/// string. A ver in the cache is used at once; otherwise sm asks the resource (disco#info to its full
/// JID, from its own bare JID, node 'node#ver'). An answer whose ver hash verifies (§5) goes into
/// the bounded cache and serves every resource with that ver; one that does not verify (or legacy
/// caps without 'hash') is used for that resource only. Errors and timeouts leave the resource
/// with what it had. Must come before Presence in the module list: it only watches presence.
/// </summary>
public sealed class CapsModule(SmContext ctx) : IModule
{
    public const string Namespace = "http://jabber.org/protocol/caps";
    private static readonly XNamespace CapsNs = Namespace;
    private static readonly XNamespace Info = Ns.DiscoInfo;
    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    private readonly ILogger _logger = ctx.Logger("Xmpp.Sm.Modules.Caps");
    private readonly CapsOptions _options = ctx.Settings<CapsOptions>(CapsOptions.Section);
    private readonly Dictionary<SmSession, ResourceCaps> _resources = [];
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _inFlight = new(StringComparer.Ordinal); // cache key -> query id
    private CapsCache? _cache;
    private long _ids;

    private sealed record ResourceCaps(string Wanted, IReadOnlySet<string> Features);

    private sealed record Pending(SmSession Session, string Node, string Ver, string? Hash, DateTimeOffset Deadline, List<SmSession> Waiters);

    public string Name => "caps";

    /// <summary>The features the resource's caps stand for (empty until known).</summary>
    public IReadOnlySet<string> FeaturesOf(SmSession session) => _resources.TryGetValue(session, out var caps) ? caps.Features : None;

    public void Load(HookTable hooks)
    {
        _cache = new CapsCache(_options.CacheSize);
        hooks.Hook("presence/self", Observe);
        hooks.Hook("iq/self", Answered);
        hooks.On<SessionEnded>(ended => Forget(ended.Session));
    }

    /// <summary>Watches an available presence for caps; never handles it (Presence does).</summary>
    private bool Observe(StanzaEvent e)
    {
        if (e.Type == "unavailable")
        {
            // Its next available presence starts afresh, so PEP sends it the last items again (XEP-0163 §4.3.5).
            _resources.Remove(e.Origin);
            return false;
        }
        if (e.Type != "" || e.Stanza.Element(CapsNs + "c") is not { } c) return false;
        var node = (string?)c.Attribute("node") ?? "";
        var ver = (string?)c.Attribute("ver");
        var hash = (string?)c.Attribute("hash");
        if (string.IsNullOrEmpty(ver)) return false;
        var session = e.Origin;
        var wanted = Wanted(hash, node, ver);
        if (_resources.TryGetValue(session, out var current) && current.Wanted == wanted) return false;
        _resources[session] = new ResourceCaps(wanted, current?.Features ?? None);
        Sweep();

        if (CapsHash.Supports(hash))
        {
            if (_cache!.Get(hash!, ver) is { } known)
            {
                CapsTelemetry.Cached();
                Apply(session, wanted, known);
                return false;
            }
            if (_inFlight.TryGetValue(CapsCache.Key(hash!, ver), out var id) && _pending.TryGetValue(id, out var pending))
            {
                pending.Waiters.Add(session);
                return false;
            }
        }
        Query(session, node, ver, hash);
        return false;
    }

    private static string Wanted(string? hash, string node, string ver) => CapsHash.Supports(hash) ? CapsCache.Key(hash!, ver) : "legacy " + node + "#" + ver;

    private void Query(SmSession session, string node, string ver, string? hash)
    {
        AbandonQueriesOf(session); // one query out per resource: a client changing its caps quickly cannot fill the table
        if (_pending.Count >= _options.MaxPendingQueries)
        {
            _logger.LogWarning("Caps of {Session} not queried: {Count} disco#info queries are already out (Sm:Caps:MaxPendingQueries)", session.Id, _pending.Count);
            CapsTelemetry.Query("refused");
            return;
        }
        var id = "caps-" + Interlocked.Increment(ref _ids);
        _pending[id] = new Pending(session, node, ver, hash, ctx.Clock.GetUtcNow().AddSeconds(_options.QueryTimeoutSeconds), []);
        if (CapsHash.Supports(hash)) _inFlight[CapsCache.Key(hash!, ver)] = id;
        ctx.Out.ToSession(session, new XElement(Stanza.Client + "iq",
            new XAttribute("type", "get"), new XAttribute("id", id),
            new XAttribute("from", session.BareJid.ToString()), new XAttribute("to", session.FullJidText),
            new XElement(Info + "query", new XAttribute("node", node + "#" + ver))));
        CapsTelemetry.Query("sent");
    }

    /// <summary>An answer to one of our disco#info queries (result or error) from the resource we asked.</summary>
    private bool Answered(StanzaEvent e)
    {
        if (e.Type is not ("result" or "error")) return false;
        var id = (string?)e.Stanza.Attribute("id");
        if (id is null || !_pending.TryGetValue(id, out var pending) || pending.Session != e.Origin) return false;
        Finish(id, pending);
        var wanted = Wanted(pending.Hash, pending.Node, pending.Ver);
        if (e.Type == "error" || e.Stanza.Element(Info + "query") is not { } query)
        {
            _logger.LogDebug("Caps query {Id} to {Session} answered with an error", id, pending.Session.Id);
            CapsTelemetry.Query("error");
            Requery(pending);
            return true;
        }
        var features = query.Elements(Info + "feature").Select(f => (string?)f.Attribute("var")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        if (pending.Hash is { } hash && CapsHash.Supports(hash) && CapsHash.Verify(query, hash, pending.Ver))
        {
            CapsTelemetry.Query("verified");
            if (_cache!.Put(hash, pending.Ver, features)) CapsTelemetry.Evicted();
            Apply(pending.Session, wanted, features);
            foreach (var waiter in pending.Waiters) Apply(waiter, wanted, features);
            return true;
        }
        if (pending.Hash is not null)
            _logger.LogInformation("Caps of {Session}: the disco#info answer does not hash to ver {Ver}; used for that resource only", pending.Session.Id, pending.Ver);
        CapsTelemetry.Query(pending.Hash is null ? "legacy" : "unverified");
        Apply(pending.Session, wanted, features);
        Requery(pending);
        return true;
    }

    private void Finish(string id, Pending pending)
    {
        _pending.Remove(id);
        if (pending.Hash is { } hash && _inFlight.TryGetValue(CapsCache.Key(hash, pending.Ver), out var current) && current == id)
            _inFlight.Remove(CapsCache.Key(hash, pending.Ver));
    }

    /// <summary>The resources that waited on a query whose answer cannot serve them ask on their own.</summary>
    private void Requery(Pending pending)
    {
        var wanted = Wanted(pending.Hash, pending.Node, pending.Ver);
        foreach (var waiter in pending.Waiters)
            if (_resources.TryGetValue(waiter, out var caps) && caps.Wanted == wanted)
                Query(waiter, pending.Node, pending.Ver, pending.Hash);
    }

    /// <summary>Queries unanswered past Sm:Caps:QueryTimeoutSeconds are given up (checked whenever caps arrive).</summary>
    private void Sweep()
    {
        var now = ctx.Clock.GetUtcNow();
        foreach (var (id, pending) in _pending.Where(p => p.Value.Deadline <= now).ToArray())
        {
            _logger.LogDebug("Caps query {Id} to {Session} timed out", id, pending.Session.Id);
            CapsTelemetry.Query("timeout");
            Finish(id, pending);
            Requery(pending);
        }
    }

    private void Apply(SmSession session, string wanted, IReadOnlySet<string> features)
    {
        if (!_resources.TryGetValue(session, out var caps) || caps.Wanted != wanted) return; // gone, or it has announced other caps since
        _resources[session] = caps with { Features = features };
        if (!caps.Features.SetEquals(features)) ctx.Hooks.Raise(new CapsChanged(session, caps.Features, features));
    }

    private void Forget(SmSession session)
    {
        _resources.Remove(session);
        AbandonQueriesOf(session);
    }

    /// <summary>Drops the resource's own query (its answer would no longer be used); those waiting on it ask themselves.</summary>
    private void AbandonQueriesOf(SmSession session)
    {
        foreach (var (id, pending) in _pending.Where(p => p.Value.Session == session).ToArray())
        {
            Finish(id, pending);
            Requery(pending);
        }
    }
}
