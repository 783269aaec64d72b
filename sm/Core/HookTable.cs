using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;

namespace Xmpp.Sm.Core;

/// <summary>Handles a stanza event; true when it took care of the stanza (later handlers are skipped).</summary>
public delegate bool StanzaHandler(StanzaEvent e);

/// <summary>
/// Says whether a stanza sm is about to deliver to <paramref name="to"/> may go; false stops it
/// (the filter logs and counts what it stops). <paramref name="from"/> is the stanza's sender.
/// </summary>
public delegate bool DeliveryFilter(SmSession to, Jid from, string kind, string type);

/// <summary>
/// Prosody's event bus, reduced to what sm needs: stanza hooks keyed by the stanza's shape
/// ("iq-get/host/urn:xmpp:ping:ping", "message/bare", ...), typed notifications (session
/// started/ended, initial presence), and what disco shows of the loaded modules (<see cref="Disco"/>).
/// Handlers run in registration order, i.e. in the order of <see cref="Modules.ModuleList"/>.
/// </summary>
public sealed class HookTable(ILogger logger)
{
    private readonly Dictionary<string, List<(StanzaHandler Handler, string Module)>> _hooks = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, List<Delegate>> _listeners = [];

    public void Hook(string eventName, StanzaHandler handler)
    {
        if (!_hooks.TryGetValue(eventName, out var list)) _hooks[eventName] = list = [];
        list.Add((handler, ModuleOf(handler)));
    }

    /// <summary>The name of the module a handler belongs to, for traces: its IModule.Name, else its class name.</summary>
    private static string ModuleOf(Delegate handler)
    {
        if (handler.Target is Modules.IModule module) return module.Name;
        var type = handler.Method.DeclaringType;
        while (type?.DeclaringType is not null && type.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), false))
            type = type.DeclaringType; // a lambda's closure class: name its module
        return type?.Name.ToLowerInvariant() ?? "unknown";
    }

    /// <summary>Offers the stanza to the event's handlers in order until one handles it.</summary>
    public bool Fire(string eventName, StanzaEvent e)
    {
        if (!_hooks.TryGetValue(eventName, out var list)) return false;
        foreach (var (handler, module) in list)
            if (handler(e))
            {
                Telemetry.SmTelemetry.OnHandled(eventName, module);
                return true;
            }
        return false;
    }

    private readonly List<DeliveryFilter> _deliveryFilters = [];

    /// <summary>
    /// Adds a filter on every stanza sm delivers to a session, whatever produced it (routed stanzas,
    /// presence broadcasts, probe answers, offline messages, redelivered subscription requests):
    /// the last word before a packet leaves for c2s (XEP-0191 blocking uses it). Stanzas from
    /// sessions are first offered to <see cref="StanzaRouter.FilterHook"/>, where a filter can answer with an error.
    /// </summary>
    public void FilterDelivery(DeliveryFilter filter) => _deliveryFilters.Add(filter);

    /// <summary>Whether every delivery filter lets the stanza go.</summary>
    public bool MayDeliver(SmSession to, Jid from, string kind, string type)
    {
        foreach (var filter in _deliveryFilters)
            if (!filter(to, from, kind, type)) return false;
        return true;
    }

    public bool HasDeliveryFilters => _deliveryFilters.Count > 0;

    public void On<T>(Action<T> listener) where T : class
    {
        if (!_listeners.TryGetValue(typeof(T), out var list)) _listeners[typeof(T)] = list = [];
        list.Add(listener);
    }

    /// <summary>Tells every listener; one failing listener does not keep the others from running.</summary>
    public void Raise<T>(T notification) where T : class
    {
        if (!_listeners.TryGetValue(typeof(T), out var list)) return;
        foreach (var listener in list)
        {
            try
            {
                ((Action<T>)listener)(notification);
            }
            catch (Exception e)
            {
                logger.LogError(e, "A {Event} listener failed", typeof(T).Name);
            }
        }
    }

    /// <summary>What XEP-0030 disco shows of the server and of accounts, declared by the modules.</summary>
    public DiscoRegistry Disco { get; } = new();

    /// <summary>A disco#info feature of the server (XEP-0030), declared by the module that implements it.</summary>
    public void AddFeature(string feature) => Disco.AddServerFeature(feature);

    /// <summary>The server's disco#info features.</summary>
    public IReadOnlyList<string> Features => Disco.Features(DiscoTarget.Server);
}
