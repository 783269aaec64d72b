using Xmpp.Common;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Modules;

/// <summary>
/// A module that keeps data of its own in sm's database. Its tables come from <see cref="Schema"/>,
/// brought up to date at start before any frame is handled; it reads and writes them through
/// <c>ctx.Storage.Modules</c> (<see cref="IModuleStore"/>: sm's one connection, inside the open
/// transaction). When an account is deleted, <see cref="DeleteAccount"/> runs inside the deletion's
/// transaction, so the account and every module's data go together or not at all.
/// </summary>
public interface IStoringModule : IModule
{
    /// <summary>The module's tables as numbered migrations.</summary>
    ModuleSchema Schema { get; }

    /// <summary>
    /// Removes everything the module keeps for <paramref name="user"/> (a bare JID) - or, for data
    /// that must outlive the account, whatever would let a new owner of the name inherit it.
    /// An exception aborts the whole deletion.
    /// </summary>
    void DeleteAccount(Jid user);
}
