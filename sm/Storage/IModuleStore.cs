using System.Data;

namespace Xmpp.Sm.Storage;

/// <summary>
/// How a module runs its own SQL on sm's one database connection, inside whatever transaction is
/// open (the frame batch's group commit, or <see cref="IStorageTransactions.Begin"/>): no second
/// connection, always on sm's single consumer. Parameters are named in the SQL (<c>$user</c>)
/// and passed as (name, value) pairs; values are strings, integers, doubles, byte arrays, bools
/// (stored 0/1), DateTimeOffset (stored as ISO 8601 UTC text) or null.
/// A module touches only the tables it created in its <see cref="ModuleSchema"/>.
/// </summary>
public interface IModuleStore
{
    /// <summary>Runs a statement; the number of rows it changed.</summary>
    int Execute(string sql, params ReadOnlySpan<(string Name, object? Value)> args);

    /// <summary>The first column of the first row, converted to <typeparamref name="T"/>; default when there is no row or it is NULL.</summary>
    T? Scalar<T>(string sql, params ReadOnlySpan<(string Name, object? Value)> args);

    /// <summary>Every row, each read by <paramref name="row"/> (which must not keep the record).</summary>
    IReadOnlyList<T> Query<T>(string sql, Func<IDataRecord, T> row, params ReadOnlySpan<(string Name, object? Value)> args);

    /// <summary>
    /// Brings the module's tables to the schema's latest version: runs, in order and each in the
    /// same transaction as the recorded version, the migrations not yet applied (table
    /// <c>module_schema(module, version)</c>). Throws if the file holds a newer version than
    /// the schema knows (an older sm on a newer file), so sm does not start on it.
    /// Returns the version the module's tables were at before.
    /// </summary>
    int Migrate(string module, ModuleSchema schema);

    /// <summary>The recorded schema version of the module's tables (0: none yet).</summary>
    int SchemaVersion(string module);
}

/// <summary>
/// A module's tables, as numbered migrations: step 1 creates them, each later step changes what
/// the earlier ones made (never edit a step once released; add one). Version n means steps 1..n
/// ran. Tables are named after the module (<c>lastactivity_...</c>) so modules never collide.
/// </summary>
public sealed class ModuleSchema(params string[] steps)
{
    public IReadOnlyList<string> Steps { get; } = steps;

    public int Version => Steps.Count;
}
