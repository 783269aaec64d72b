using System.Data;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Xmpp.Sm.Storage.Sqlite;

/// <summary>The modules' own tables (<see cref="IModuleStore"/>): their SQL on the one connection, and their migrations.</summary>
public sealed partial class SqliteStorage
{
    public int Execute(string sql, params ReadOnlySpan<(string Name, object? Value)> args)
    {
        using var cmd = Command(sql, args);
        return cmd.ExecuteNonQuery();
    }

    public T? Scalar<T>(string sql, params ReadOnlySpan<(string Name, object? Value)> args)
    {
        using var cmd = Command(sql, args);
        var value = cmd.ExecuteScalar();
        if (value is null or DBNull) return default;
        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (type == typeof(DateTimeOffset)) return (T)(object)ParseTime((string)value);
        if (type == typeof(bool)) return (T)(object)(Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0);
        return (T)Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
    }

    public IReadOnlyList<T> Query<T>(string sql, Func<IDataRecord, T> row, params ReadOnlySpan<(string Name, object? Value)> args)
    {
        using var cmd = Command(sql, args);
        using var reader = cmd.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(row(reader));
        return rows;
    }

    public int SchemaVersion(string module) =>
        Scalar<int?>("SELECT version FROM module_schema WHERE module = $module", ("$module", module)) ?? 0;

    public int Migrate(string module, ModuleSchema schema)
    {
        using var tx = Begin();
        var current = SchemaVersion(module);
        if (current > schema.Version)
            throw new InvalidOperationException(
                $"sm.db holds version {current} of the tables of module '{module}', but this sm knows only up to version {schema.Version}; use a newer sm");
        for (var step = current; step < schema.Version; step++)
            Execute(schema.Steps[step]);
        if (current != schema.Version)
            Execute("""
                INSERT INTO module_schema (module, version) VALUES ($module, $version)
                ON CONFLICT (module) DO UPDATE SET version = excluded.version
                """, ("$module", module), ("$version", schema.Version));
        tx.Commit();
        return current;
    }

    /// <summary>"$name" parameters bound with the value conversions <see cref="IModuleStore"/> promises.</summary>
    private SqliteCommand Command(string sql, ReadOnlySpan<(string Name, object? Value)> args)
    {
        var cmd = Command(sql);
        foreach (var (name, value) in args)
            cmd.Parameters.AddWithValue(name, value switch
            {
                null => DBNull.Value,
                bool b => b ? 1L : 0L,
                DateTimeOffset t => FormatTime(t),
                _ => value,
            });
        return cmd;
    }

    /// <summary>How times are stored: ISO 8601 UTC text, which sorts as the times do.</summary>
    internal static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    internal static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
