using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Sm.Modules;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Core;

/// <summary>
/// The loaded modules' own data: their schemas migrated at start, and their part of an account
/// deletion, inside the deletion's transaction (see <see cref="IStoringModule"/>).
/// </summary>
public sealed class ModuleData(IReadOnlyList<IModule> modules, SmStorage storage, HookTable hooks, ILogger logger)
{
    private readonly IStoringModule[] _storing = modules.OfType<IStoringModule>().ToArray();

    /// <summary>Brings every storing module's tables to its schema version; throws (sm does not start) if one cannot be.</summary>
    public void Migrate()
    {
        foreach (var module in _storing)
        {
            var before = storage.Modules.Migrate(module.Name, module.Schema);
            if (before != module.Schema.Version)
                logger.LogInformation("Tables of module {Module} migrated from version {From} to {To}", module.Name, before, module.Schema.Version);
        }
    }

    /// <summary>
    /// Deletes the account and every module's data for it in one transaction (nested in the frame
    /// batch's); false if there was no such account. Then tells the modules (<see cref="AccountDeleted"/>),
    /// for what they hold in memory.
    /// </summary>
    public bool DeleteAccount(Jid user)
    {
        using (var tx = storage.Transactions.Begin())
        {
            if (!storage.Accounts.Delete(user.Bare.ToString())) return false;
            foreach (var module in _storing) module.DeleteAccount(user.Bare);
            tx.Commit();
        }
        hooks.Raise(new AccountDeleted(user.Bare));
        return true;
    }
}
