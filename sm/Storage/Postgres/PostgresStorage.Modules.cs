using System.Data;
using System.Globalization;
using Npgsql;

namespace Xmpp.Sm.Storage.Postgres;

/// <summary>
/// The modules' own tables (<see cref="IModuleStore"/>): their SQL, written for SQLite, translated
/// (<see cref="PostgresDialect"/>) and run in the open transaction, with the same value conversions
/// as on SQLite (bools 0/1, times ISO 8601 text, integers read as any integer type).
/// </summary>
public sealed partial class PostgresStorage
{
    public int Execute(string sql, params ReadOnlySpan<(string Name, object? Value)> args)
    {
        using var cmd = Command(sql, args);
        return Run(cmd, c => c.ExecuteNonQuery());
    }

    public T? Scalar<T>(string sql, params ReadOnlySpan<(string Name, object? Value)> args)
    {
        using var cmd = Command(sql, args);
        var value = Run(cmd, c => c.ExecuteScalar());
        if (value is null or DBNull) return default;
        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (type == typeof(DateTimeOffset)) return (T)(object)ParseTime((string)value);
        if (type == typeof(bool)) return (T)(object)(value is bool b ? b : Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0);
        return (T)Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
    }

    public IReadOnlyList<T> Query<T>(string sql, Func<IDataRecord, T> row, params ReadOnlySpan<(string Name, object? Value)> args)
    {
        using var cmd = Command(sql, args);
        return Run(cmd, c =>
        {
            using var reader = c.ExecuteReader();
            var record = new ConvertingRecord(reader);
            var rows = new List<T>();
            while (reader.Read()) rows.Add(row(record));
            return rows;
        });
    }

    public int SchemaVersion(string module) => Read(() =>
    {
        using var cmd = Command("SELECT version FROM module_schema WHERE module = @module");
        cmd.Parameters.AddWithValue("module", module);
        return cmd.ExecuteScalar() is int version ? version : 0;
    });

    public int Migrate(string module, ModuleSchema schema)
    {
        using var tx = Begin();
        using (var lockModule = Command("SELECT pg_advisory_xact_lock(hashtextextended('module:' || @module, 0))"))
        {
            lockModule.Parameters.AddWithValue("module", module); // several sm processes starting at once migrate a module once
            lockModule.ExecuteNonQuery();
        }
        var current = SchemaVersion(module);
        if (current > schema.Version)
            throw new InvalidOperationException(
                $"The database holds version {current} of the tables of module '{module}', but this sm knows only up to version {schema.Version}; use a newer sm");
        for (var step = current; step < schema.Version; step++)
            Execute(schema.Steps[step]);
        if (current != schema.Version)
        {
            using var record = Command("""
                INSERT INTO module_schema (module, version) VALUES (@module, @version)
                ON CONFLICT (module) DO UPDATE SET version = excluded.version
                """);
            record.Parameters.AddWithValue("module", module);
            record.Parameters.AddWithValue("version", schema.Version);
            record.ExecuteNonQuery();
        }
        tx.Commit();
        return current;
    }

    /// <summary>Runs a module's statement in the open transaction, or in a short one of its own.</summary>
    private T Run<T>(NpgsqlCommand cmd, Func<NpgsqlCommand, T> run) => Read(() =>
    {
        cmd.Connection = _connection;
        cmd.Transaction = _tx;
        cmd.CommandText = TakeSavepoints() + cmd.CommandText;
        return run(cmd);
    });

    /// <summary>Module statements already translated (the same few run over and over); at most <see cref="MaxTranslations"/>, past it translated each time.</summary>
    private readonly Dictionary<string, string> _translations = new(StringComparer.Ordinal);
    private const int MaxTranslations = 1024;

    /// <summary>A module's statement, translated, with its "$name" parameters bound as on SQLite; the connection is set when it runs (<see cref="Run{T}"/>).</summary>
    private NpgsqlCommand Command(string sql, ReadOnlySpan<(string Name, object? Value)> args)
    {
        if (!_translations.TryGetValue(sql, out var translated))
        {
            translated = PostgresDialect.Translate(sql);
            if (_translations.Count < MaxTranslations) _translations[sql] = translated;
        }
        var cmd = new NpgsqlCommand(translated);
        foreach (var (name, value) in args)
            cmd.Parameters.AddWithValue(name.TrimStart('$', '@'), value switch
            {
                null => DBNull.Value,
                bool b => b ? 1L : 0L,
                DateTimeOffset t => FormatTime(t),
                _ => value,
            });
        return cmd;
    }
}
