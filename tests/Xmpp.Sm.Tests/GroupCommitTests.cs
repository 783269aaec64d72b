using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using Xmpp.Sm.Hosting;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Tests.Stores;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>
/// Group commit: the frames waiting for sm are handled in one transaction, and what they cause is
/// sent only once it is committed, so an answer (here a ping result) always means the writes before
/// it are on disk. Checked from a second connection, which sees committed data only.
/// </summary>
public abstract class GroupCommitTests : IDisposable
{
    private readonly SmHarness _h;
    private readonly CommittedView _sink;
    private readonly HeldFrameSink _held;
    private readonly SessionManager _sm;
    private readonly GroupCommit _commit;

    protected GroupCommitTests(IStoreProvider stores)
    {
        _h = new SmHarness(store: stores.NewStore());
        _h.CreateUser("alice");
        _h.CreateUser("bob");
        _sink = new CommittedView(_h.Store.Open());
        _held = new HeldFrameSink(_sink);
        _sm = new SessionManager(_h.Options, SmStorage.Of(_h.Storage), _held, NullLoggerFactory.Instance);
        _commit = new GroupCommit(_sm, _h.Storage, () => _h.Storage.ScopesBegun, _held, maxFrames: 256, NullLogger.Instance);
    }

    public void Dispose()
    {
        _sink.Dispose();
        _h.Dispose();
    }

    private async Task HandleAsync(params Frame[] frames)
    {
        var inbox = Channel.CreateUnbounded<Frame>();
        foreach (var frame in frames.Skip(1)) inbox.Writer.TryWrite(frame);
        await _commit.HandleAsync(frames[0], inbox.Reader);
    }

    [Fact]
    public async Task An_answer_leaves_only_after_the_writes_before_it_are_committed()
    {
        var start = _h.StartFrame("alice@localhost/phone", C2s1, "1");
        await HandleAsync(start);
        var started = Assert.Single(_sink.Sent).Frame;
        var alice = new Client("alice@localhost/phone", C2s1, "1", started.Session.SmSession);
        _sink.Sent.Clear();

        await HandleAsync(
            PacketFrame(alice, "<message to='bob@localhost' id='m1'><body>one</body></message>"),
            PacketFrame(alice, "<message to='bob@localhost' id='m2'><body>two</body></message>"),
            PacketFrame(alice, "<message to='bob@localhost' id='m3'><body>three</body></message>"),
            PacketFrame(alice, "<iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"));

        var (pong, committedThen) = Assert.Single(_sink.Sent);
        Assert.Equal("result", (string?)ParseClientXml(pong.Packet.Stanza.ToStringUtf8()).Attribute("type"));
        Assert.Equal(3, committedThen); // all three stores were on disk when the ping's answer was sent
        Assert.Equal(0, _held.Held);
    }

    [Fact]
    public async Task With_one_frame_per_commit_the_answer_still_follows_the_commit()
    {
        var commit = new GroupCommit(_sm, _h.Storage, () => _h.Storage.ScopesBegun, _held, maxFrames: 1, NullLogger.Instance);
        var inbox = Channel.CreateUnbounded<Frame>();
        await commit.HandleAsync(_h.StartFrame("alice@localhost/phone", C2s1, "1"), inbox.Reader);
        var alice = new Client("alice@localhost/phone", C2s1, "1", _sink.Sent.Single().Frame.Session.SmSession);
        _sink.Sent.Clear();

        inbox.Writer.TryWrite(PacketFrame(alice, "<iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"));
        await commit.HandleAsync(PacketFrame(alice, "<message to='bob@localhost' id='m1'><body>one</body></message>"), inbox.Reader);
        Assert.Empty(_sink.Sent); // the message caused nothing to send; the ping waits for its own batch
        Assert.Equal(1, _sink.CommittedOfflineRows());

        Assert.True(inbox.Reader.TryRead(out var ping));
        await commit.HandleAsync(ping, inbox.Reader);
        Assert.Equal(1, Assert.Single(_sink.Sent).CommittedOfflineRows);
    }

    /// <summary>Records each frame sm sends with the offline rows a second connection (another backend on the same data) sees committed at that moment.</summary>
    private sealed class CommittedView(IStorageBackend reader) : IFrameSink, IDisposable
    {
        public List<(Frame Frame, long CommittedOfflineRows)> Sent { get; } = [];

        public void Send(Frame frame) => Sent.Add((frame, CommittedOfflineRows()));

        public long CommittedOfflineRows() => reader.Count("bob@localhost");

        public void Dispose() => reader.Dispose();
    }
}

public sealed class GroupCommitTestsOnSqlite() : GroupCommitTests(StoreProviders.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class GroupCommitTestsOnPostgres(PostgresFixture postgres) : GroupCommitTests(postgres);
