using Microsoft.Extensions.Logging;
using Xmpp.Sm.Routing;

namespace Xmpp.Sm.Core;

/// <summary>Handles a stanza event; true when it took care of the stanza (later handlers are skipped).</summary>
public delegate bool StanzaHandler(StanzaEvent e);

/// <summary>
/// Prosody's event bus, reduced to what sm needs: stanza hooks keyed by the stanza's shape
/// ("iq-get/host/urn:xmpp:ping:ping", "message/bare", ...), typed notifications (session
/// started/ended, initial presence), and the disco features the loaded modules declare.
/// Handlers run in registration order, i.e. in the order of <see cref="Modules.ModuleList"/>.
/// </summary>
public sealed class HookTable(ILogger logger)
{
    private readonly Dictionary<string, List<StanzaHandler>> _hooks = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, List<Delegate>> _listeners = [];
    private readonly List<string> _features = [];

    public void Hook(string eventName, StanzaHandler handler)
    {
        if (!_hooks.TryGetValue(eventName, out var list)) _hooks[eventName] = list = [];
        list.Add(handler);
    }

    /// <summary>Offers the stanza to the event's handlers in order until one handles it.</summary>
    public bool Fire(string eventName, StanzaEvent e)
    {
        if (!_hooks.TryGetValue(eventName, out var list)) return false;
        foreach (var handler in list)
            if (handler(e)) return true;
        return false;
    }

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

    /// <summary>A disco#info feature of the server (XEP-0030), declared by the module that implements it.</summary>
    public void AddFeature(string feature)
    {
        if (!_features.Contains(feature)) _features.Add(feature);
    }

    public IReadOnlyList<string> Features => _features;
}
