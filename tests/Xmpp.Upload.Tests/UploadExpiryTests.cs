using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xmpp.Upload.Http;
using Xmpp.Upload.Storage;

namespace Xmpp.Upload.Tests;

/// <summary>Expiry: files after their lifetime and slots never used, from disk and the index; a running upload is left alone.</summary>
public sealed class UploadExpiryTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly UploadIndex _index;
    private readonly FileStore _files;
    private readonly UploadsInProgress _inProgress = new();
    private readonly UploadExpiry _expiry;

    public UploadExpiryTests()
    {
        _index = new UploadIndex(Path.Combine(_dir.Path, "upload.db"));
        _files = new FileStore(_dir.Path);
        _expiry = new UploadExpiry(_index, _files, _inProgress, Options.Create(new UploadOptions()), _time, NullLogger<UploadExpiry>.Instance);
    }

    public void Dispose()
    {
        _expiry.Dispose();
        _index.Dispose();
        _dir.Dispose();
    }

    private Slot NewSlot(TimeSpan slotLifetime)
    {
        var now = _time.GetUtcNow();
        var slot = new Slot(Protocol.SlotIssuer.NewId(), "alice@localhost", "a.bin", 3, "application/octet-stream", now, now + slotLifetime);
        _index.Add(slot);
        return slot;
    }

    private void Store(Slot slot, TimeSpan fileLifetime)
    {
        using (var part = _files.CreatePart(slot.Id)) part.Write([1, 2, 3]);
        _files.Commit(slot.Id);
        Assert.True(_index.TryComplete(slot.Id, _time.GetUtcNow(), _time.GetUtcNow() + fileLifetime));
    }

    [Fact]
    public void A_file_is_deleted_from_disk_and_index_when_its_lifetime_ends_and_not_before()
    {
        var slot = NewSlot(TimeSpan.FromMinutes(5));
        Store(slot, TimeSpan.FromHours(1));

        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal((0, 0), _expiry.Sweep());
        Assert.True(File.Exists(_files.PathOf(slot.Id)));

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal((1, 0), _expiry.Sweep());
        Assert.False(File.Exists(_files.PathOf(slot.Id)));
        Assert.Null(_index.Find(slot.Id));
        Assert.Equal(0, _index.Usage("alice@localhost", _time.GetUtcNow()).Bytes);
    }

    [Fact]
    public void An_unused_slot_is_removed_with_what_an_interrupted_upload_left_but_a_running_upload_is_not()
    {
        var unused = NewSlot(TimeSpan.FromMinutes(5));
        var interrupted = NewSlot(TimeSpan.FromMinutes(5));
        var running = NewSlot(TimeSpan.FromMinutes(5));
        using (var part = _files.CreatePart(interrupted.Id)) part.Write([1]);
        Assert.True(_inProgress.TryBegin(running.Id));

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal((0, 2), _expiry.Sweep());
        Assert.Null(_index.Find(unused.Id));
        Assert.Null(_index.Find(interrupted.Id));
        Assert.False(File.Exists(_files.PartPathOf(interrupted.Id)));
        Assert.NotNull(_index.Find(running.Id));

        // The running upload completes after all: its file lives its full lifetime.
        Store(running, TimeSpan.FromDays(1));
        _inProgress.End(running.Id);
        Assert.Equal((0, 0), _expiry.Sweep());
        Assert.True(File.Exists(_files.PathOf(running.Id)));
    }

    [Fact]
    public async Task The_timer_sweeps_every_interval()
    {
        var slot = NewSlot(TimeSpan.FromSeconds(30));
        await _expiry.StartAsync(CancellationToken.None);
        try
        {
            Assert.NotNull(_index.Find(slot.Id)); // the first sweep at start found nothing due
            _time.Advance(TimeSpan.FromMinutes(1)); // ExpiryInterval's default
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (_index.Find(slot.Id) is not null && DateTime.UtcNow < deadline) await Task.Delay(10);
            Assert.Null(_index.Find(slot.Id));
        }
        finally
        {
            await _expiry.StopAsync(CancellationToken.None);
        }
    }
}
