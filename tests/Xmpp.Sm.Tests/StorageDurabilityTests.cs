using Microsoft.Data.Sqlite;
using Xmpp.Common.Sasl;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Storage.Sqlite;

namespace Xmpp.Sm.Tests;

/// <summary>
/// sm's SQLite file: WAL with synchronous=FULL on sm's connection, and transactions that keep a
/// multi-step change together (all of it or none of it, also after a reopen).
/// </summary>
public sealed class StorageDurabilityTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "xmpp-sm-durability-" + Guid.NewGuid().ToString("N"));
    private readonly string _path;
    private SqliteStorage _storage;

    public StorageDurabilityTests()
    {
        _path = Path.Combine(_dir, "sm.db");
        _storage = new SqliteStorage(_path);
    }

    public void Dispose()
    {
        _storage.Dispose();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private void Reopen()
    {
        _storage.Dispose();
        _storage = new SqliteStorage(_path);
    }

    private static RosterItem Item(string jid) => new(jid, null, RosterItem.None, null, []);

    [Fact]
    public void The_connection_runs_in_wal_mode_with_synchronous_full()
    {
        Assert.Equal("wal", _storage.Pragma("journal_mode"));
        Assert.Equal(2L, _storage.Pragma("synchronous")); // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
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
