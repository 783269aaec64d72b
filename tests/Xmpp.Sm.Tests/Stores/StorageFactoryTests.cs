using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using Xmpp.Sm.Storage;
using Xmpp.Testing;

namespace Xmpp.Sm.Tests.Stores;

/// <summary>
/// sm starting on PostgreSQL (<see cref="StorageFactory"/>): a server that is not up yet is waited
/// for (Sm:Storage:StartupTimeout), each attempt logged; after the timeout sm stops with the error;
/// the log names the server, never the password.
/// </summary>
public sealed class StorageFactoryTests
{
    /// <summary>Every message logged, readable as they come.</summary>
    private sealed class LogLines : ILogger
    {
        public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Writer.TryWrite($"{logLevel}: {formatter(state, exception)}");

        public async Task<string> NextAsync() => await Lines.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static SmOptions Postgres(string connectionString, TimeSpan startupTimeout) => new()
    {
        Storage = new StorageOptions { Provider = "Postgres", ConnectionString = connectionString, StartupTimeout = startupTimeout },
    };

    [Fact]
    public async Task A_server_that_comes_up_while_sm_starts_is_waited_for_and_used()
    {
        using var server = PostgresServer.Initialize();
        var log = new LogLines();

        var opening = StorageFactory.OpenAsync(Postgres(server.ConnectionString(), TimeSpan.FromSeconds(60)), log, CancellationToken.None);
        var retry = await log.NextAsync();
        Assert.StartsWith("Warning: Storage: PostgreSQL not reachable yet (attempt 1", retry);
        server.Run();

        using var storage = await opening.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(storage.Create("alice@localhost", []));
        string line;
        do line = await log.NextAsync(); while (line.StartsWith("Warning: Storage: PostgreSQL not reachable yet", StringComparison.Ordinal));
        Assert.Equal($"Information: Storage: PostgreSQL 127.0.0.1:{server.Port}/postgres as {PostgresServer.User}, pool of at most 10 connections", line);
        Assert.DoesNotContain(server.Password, retry + line);
    }

    [Fact]
    public async Task A_server_still_unreachable_after_the_startup_timeout_stops_sm_with_the_error()
    {
        using var server = PostgresServer.Initialize(); // never started
        var log = new LogLines();

        var started = DateTimeOffset.UtcNow;
        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() =>
            StorageFactory.OpenAsync(Postgres(server.ConnectionString(), TimeSpan.FromSeconds(3)), log, CancellationToken.None));
        Assert.True(error.IsTransient);
        Assert.InRange(DateTimeOffset.UtcNow - started, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.StartsWith("Warning: Storage: PostgreSQL not reachable yet (attempt 1", await log.NextAsync());
    }

    [Fact]
    public async Task An_unknown_provider_is_refused() =>
        await Assert.ThrowsAsync<InvalidOperationException>(() => StorageFactory.OpenAsync(
            new SmOptions { Storage = new StorageOptions { Provider = "mysql" } }, new LogLines(), CancellationToken.None));
}
