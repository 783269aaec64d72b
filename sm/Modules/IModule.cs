using Xmpp.Sm.Core;

namespace Xmpp.Sm.Modules;

/// <summary>
/// One feature of the session manager (Prosody's mod_*.lua), in its own folder
/// <c>sm/Modules/&lt;Feature&gt;/</c> and registered by one line in <see cref="ModuleList"/>.
/// At load time it hooks the stanza shapes it handles and the notifications it cares about
/// (<see cref="HookTable.Hook"/>, <see cref="HookTable.On{T}"/>) and declares what disco shows
/// of it, for the server and for accounts (<see cref="HookTable.Disco"/>). A module with data of
/// its own also implements <see cref="IStoringModule"/>. See sm/README.md, "How to add a module".
/// </summary>
public interface IModule
{
    /// <summary>Short, lower-case, stable: it names the module in logs and traces and keys its schema version.</summary>
    string Name { get; }

    void Load(HookTable hooks);
}
