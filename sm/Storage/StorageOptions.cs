namespace Xmpp.Sm.Storage;

/// <summary>Where sm keeps its data, bound from "Sm:Storage".</summary>
public sealed class StorageOptions
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>"sqlite" (default: the file sm.db in Sm:DataDirectory) or "postgres" (<see cref="ConnectionString"/>).</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// The PostgreSQL connection string (Npgsql keywords: "Host=db;Port=5432;Database=xmpp;Username=xmpp;Password=...");
    /// only for the postgres provider. Never logged: sm logs the host, port and database only.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Most connections sm opens to PostgreSQL at once (Npgsql's pool; overrides "Maximum Pool Size"
    /// of the connection string). sm's single consumer uses one at a time; the rest are headroom.
    /// </summary>
    public int MaxPoolSize { get; set; } = 10;

    /// <summary>
    /// How long sm, starting, waits for a PostgreSQL server it cannot reach yet (refused connection,
    /// server starting up), trying every second; then it stops with the error. Zero: one attempt.
    /// </summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
