using Xmpp.Sm.Core;

namespace Xmpp.Sm.Modules;

/// <summary>
/// One feature of the session manager (Prosody's mod_*.lua): at load time it hooks the stanza
/// shapes it handles and the notifications it cares about, and declares its disco features.
/// </summary>
public interface IModule
{
    string Name { get; }

    void Load(HookTable hooks);
}
