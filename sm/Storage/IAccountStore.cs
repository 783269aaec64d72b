using Xmpp.Common.Sasl;

namespace Xmpp.Sm.Storage;

/// <summary>User accounts: a bare JID and its salted SCRAM credentials (never a password).</summary>
public interface IAccountStore
{
    bool Exists(string user);

    /// <summary>Creates the account; false if it already exists.</summary>
    bool Create(string user, IReadOnlyList<ScramCredentialData> credentials);

    /// <summary>Replaces the account's credentials; false if there is no such account.</summary>
    bool SetCredentials(string user, IReadOnlyList<ScramCredentialData> credentials);

    /// <summary>
    /// Replaces the account's credentials with <paramref name="replacement"/> only if they are still
    /// exactly <paramref name="expected"/> (same mechanisms, salts, counts and keys), in one
    /// transaction; false if the account is gone or its credentials changed meanwhile.
    /// </summary>
    bool ReplaceCredentials(string user, IReadOnlyList<ScramCredentialData> expected, IReadOnlyList<ScramCredentialData> replacement);

    /// <summary>The stored credentials, or null if there is no such account.</summary>
    IReadOnlyList<ScramCredentialData>? GetCredentials(string user);

    /// <summary>Deletes the account and everything the user owns in the core tables (offline messages, roster, pending subscription requests), atomically. False if there was no account. Modules' data goes with it through Core.ModuleData.</summary>
    bool Delete(string user);

    /// <summary>All accounts' bare JIDs, sorted.</summary>
    IReadOnlyList<string> List();
}
