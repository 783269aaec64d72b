using System.Data.Common;
using Xmpp.Common.Sasl;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Storage.Sqlite;
using Xmpp.Sm.Tests.Stores;

namespace Xmpp.Sm.Tests;

/// <summary>
/// Transactions that keep a multi-step change together (all of it or none of it, also after a
/// reopen), on each storage provider; and each provider's durable commit setting.
/// </summary>
public abstract class StorageDurabilityTests : IDisposable
{
    private readonly TestStore _store;
    private IStorageBackend _storage;

    protected StorageDurabilityTests(IStoreProvider stores)
    {
        _store = stores.NewStore();
        _storage = _store.Open();
    }

    protected IStorageBackend Storage => _storage;

    public void Dispose()
    {
        _storage.Dispose();
        _store.Dispose();
    }

    private void Reopen()
    {
        _storage.Dispose();
        _storage = _store.Open();
    }

    private static RosterItem Item(string jid) => new(jid, null, RosterItem.None, null, []);

    [Fact]
    public void A_resumable_streams_counts_and_unacknowledged_stanzas_survive_a_reopen_and_go_when_it_ends()
    {
        using (var tx = _storage.Begin())
        {
            _storage.SetInbound("prev-1", 7);
            _storage.AddUnacked("prev-1", uint.MaxValue, [1]);
            _storage.AddUnacked("prev-1", 0, [2]); // sm's numbers wrap past 2^32 - 1
            _storage.AddUnacked("prev-1", 1, [3]);
            _storage.SetInbound("prev-2", 1);
            tx.Commit();
        }
        Reopen();

        var stream = _storage.LoadStream("prev-1");
        Assert.NotNull(stream);
        Assert.Equal(7u, stream.Inbound);
        Assert.Equal([[1], [2], [3]], stream.Unacked);
        Assert.Equal(["prev-1", "prev-2"], _storage.StreamKeys().Order());

        _storage.RemoveUnacked("prev-1", uint.MaxValue - 1, 0); // the client acknowledged up to 0, across the wrap
        Assert.Equal([[3]], _storage.LoadStream("prev-1")!.Unacked);
        _storage.RemoveStream("prev-1");
        Reopen();
        Assert.Null(_storage.LoadStream("prev-1"));
        Assert.Equal(["prev-2"], _storage.StreamKeys());
    }

    [Fact]
    public void A_committed_transaction_keeps_every_write()
    {
        using (var tx = _storage.Begin())
        {
            _storage.PutItem("alice@localhost", Item("bob@localhost"));
            _storage.AddRequest("alice@localhost", "bob@localhost", "<presence type='subscribe'/>"u8.ToArray(), DateTimeOffset.UtcNow);
            tx.Commit();
        }
        Reopen();

        Assert.NotNull(_storage.GetItem("alice@localhost", "bob@localhost"));
        Assert.True(_storage.HasRequest("alice@localhost", "bob@localhost"));
        Assert.Equal(1, _storage.GetVersion("alice@localhost"));
    }

    [Fact]
    public void A_transaction_that_ends_without_a_commit_leaves_nothing_behind()
    {
        void HalfDone()
        {
            using var tx = _storage.Begin();
            _storage.PutItem("alice@localhost", Item("bob@localhost"));
            _storage.AddRequest("alice@localhost", "bob@localhost", "<presence type='subscribe'/>"u8.ToArray(), DateTimeOffset.UtcNow);
            throw new InvalidOperationException("the second half of the operation failed");
        }
        Assert.Throws<InvalidOperationException>(HalfDone);
        Reopen();

        Assert.Null(_storage.GetItem("alice@localhost", "bob@localhost"));
        Assert.False(_storage.HasRequest("alice@localhost", "bob@localhost"));
        Assert.Equal(0, _storage.GetVersion("alice@localhost"));
    }

    [Fact]
    public void An_inner_transaction_rolled_back_drops_only_its_own_writes()
    {
        using (var outer = _storage.Begin())
        {
            _storage.PutItem("alice@localhost", Item("bob@localhost"));
            using (_storage.Begin())
                _storage.PutItem("alice@localhost", Item("carol@localhost")); // no commit
            using (var inner = _storage.Begin())
            {
                _storage.PutItem("alice@localhost", Item("dave@localhost"));
                inner.Commit();
            }
            outer.Commit();
        }
        Reopen();

        Assert.Equal(["bob@localhost", "dave@localhost"], _storage.GetRoster("alice@localhost").Select(i => i.Jid));
    }

    [Fact]
    public void A_statement_that_fails_inside_an_inner_transaction_leaves_the_outer_one_usable()
    {
        void Fails(bool wroteFirst)
        {
            using var inner = _storage.Begin();
            if (wroteFirst) _storage.PutItem("alice@localhost", Item("carol@localhost"));
            _storage.Execute("INSERT INTO no_such_table (a) VALUES (1)");
            inner.Commit();
        }
        using (var outer = _storage.Begin())
        {
            _storage.PutItem("alice@localhost", Item("bob@localhost"));
            Assert.ThrowsAny<DbException>(() => Fails(wroteFirst: false)); // PostgreSQL: the failed statement aborted the transaction until the rollback to the savepoint
            Assert.ThrowsAny<DbException>(() => Fails(wroteFirst: true));
            _storage.PutItem("alice@localhost", Item("dave@localhost"));
            outer.Commit();
        }
        Reopen();

        Assert.Equal(["bob@localhost", "dave@localhost"], _storage.GetRoster("alice@localhost").Select(i => i.Jid));
        Assert.Equal(2, _storage.GetVersion("alice@localhost"));
    }

    [Fact]
    public void Store_methods_inside_a_transaction_that_is_rolled_back_are_undone_too()
    {
        _storage.Create("alice@localhost", [ScramAlgorithm.Sha256.Derive("secret", 64)]);
        using (_storage.Begin())
        {
            Assert.True(_storage.TryAdd("alice@localhost", "<message/>"u8.ToArray(), DateTimeOffset.UtcNow, new OfflineQuota(10, 1000)).Stored);
            Assert.True(_storage.Delete("alice@localhost")); // atomic by itself, and part of the outer change
        }
        Reopen();

        Assert.True(_storage.Exists("alice@localhost"));
        Assert.Equal(0, _storage.Count("alice@localhost"));
    }

    [Fact]
    public void Deleting_an_account_removes_all_of_its_rows_in_one_transaction()
    {
        _storage.Create("alice@localhost", [ScramAlgorithm.Sha256.Derive("secret", 64)]);
        _storage.PutItem("alice@localhost", Item("bob@localhost"));
        _storage.AddRequest("alice@localhost", "carol@localhost", "<presence type='subscribe'/>"u8.ToArray(), DateTimeOffset.UtcNow);
        _storage.TryAdd("alice@localhost", "<message/>"u8.ToArray(), DateTimeOffset.UtcNow, new OfflineQuota(10, 1000));

        Assert.True(_storage.Delete("alice@localhost"));
        Reopen();

        Assert.False(_storage.Exists("alice@localhost"));
        Assert.Null(_storage.GetCredentials("alice@localhost"));
        Assert.Empty(_storage.GetRoster("alice@localhost"));
        Assert.Empty(_storage.GetRequests("alice@localhost"));
        Assert.Equal(0, _storage.Count("alice@localhost"));
    }

    [Fact]
    public void The_offline_quota_counts_messages_and_stanza_bytes()
    {
        var ten = new byte[10];
        var quota = new OfflineQuota(MaxMessages: 3, MaxBytes: 25);

        Assert.Equal(OfflineAddOutcome.Stored, _storage.TryAdd("bob@localhost", ten, DateTimeOffset.UtcNow, quota).Outcome);
        Assert.Equal(OfflineAddOutcome.Stored, _storage.TryAdd("bob@localhost", ten, DateTimeOffset.UtcNow, quota).Outcome);
        var refused = _storage.TryAdd("bob@localhost", ten, DateTimeOffset.UtcNow, quota);
        Assert.Equal(new OfflineAddResult(OfflineAddOutcome.TooManyBytes, 2, 20), refused);
        Assert.Equal(OfflineAddOutcome.Stored, _storage.TryAdd("bob@localhost", new byte[5], DateTimeOffset.UtcNow, quota).Outcome); // exactly full
        Assert.Equal(OfflineAddOutcome.TooManyMessages, _storage.TryAdd("bob@localhost", new byte[0], DateTimeOffset.UtcNow, quota).Outcome);

        Assert.Equal(3, _storage.Count("bob@localhost"));
        Assert.Equal(25, _storage.Bytes("bob@localhost"));
        Assert.Equal(0, _storage.Bytes("carol@localhost"));
    }
}

public sealed class StorageDurabilityTestsOnSqlite() : StorageDurabilityTests(StoreProviders.Sqlite)
{
    [Fact]
    public void The_connection_runs_in_wal_mode_with_synchronous_full()
    {
        var sqlite = Assert.IsType<SqliteStorage>(Storage);
        Assert.Equal("wal", sqlite.Pragma("journal_mode"));
        Assert.Equal(2L, sqlite.Pragma("synchronous")); // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
    }
}

[Collection(PostgresCollection.Name)]
public sealed class StorageDurabilityTestsOnPostgres(PostgresFixture postgres) : StorageDurabilityTests(postgres)
{
    [Fact]
    public void A_commit_returns_once_the_server_flushed_its_write_ahead_log()
    {
        Assert.Equal("on", Storage.Scalar<string>("SHOW synchronous_commit"));
    }

    [Fact]
    public async Task Two_sm_processes_storing_for_one_user_at_once_keep_its_quota()
    {
        var quota = new OfflineQuota(MaxMessages: 1, MaxBytes: 1000);
        using var first = postgres.NewStore();
        using var a = first.Open();
        using var b = first.Open(); // another process's backend: its own pool and connection
        using var tx = a.Begin();
        Assert.True(a.TryAdd("bob@localhost", "<message/>"u8.ToArray(), DateTimeOffset.UtcNow, quota).Stored);

        var second = Task.Run(() => b.TryAdd("bob@localhost", "<message/>"u8.ToArray(), DateTimeOffset.UtcNow, quota));
        await WaitForLockWaitAsync(); // b waits for a's transaction instead of counting what a has not committed
        Assert.False(second.IsCompleted);
        tx.Commit();

        Assert.Equal(OfflineAddOutcome.TooManyMessages, (await second.WaitAsync(TimeSpan.FromSeconds(30))).Outcome);
        Assert.Equal(1, b.Count("bob@localhost"));
    }

    private async Task WaitForLockWaitAsync()
    {
        using var observer = postgres.NewStore();
        using var view = observer.Open();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (view.Scalar<long>("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the second store never waited for the first one's lock");
            await Task.Delay(20);
        }
    }
}
