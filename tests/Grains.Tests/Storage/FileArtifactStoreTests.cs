using Microsoft.Extensions.Time.Testing;
using OrleansMl.Storage;

namespace OrleansMl.Tests.Storage;

/// <summary>The embedded-mode store: files under a throwaway folder, on a clock the test moves.</summary>
public sealed class FileArtifactStoreTests : ArtifactStoreContract, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "orleansml-store-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly FileArtifactStore _store;

    public FileArtifactStoreTests() => _store = new FileArtifactStore(_root, time: _time);

    protected override IArtifactStore Store => _store;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    protected override Task AgeReferencesAsync(TimeSpan age)
    {
        _time.Advance(age);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task TheSweep_RemovesStagedUploadsAndTemporaryFilesLeftIdle_ButNotOnesInUse()
    {
        var idle = Guid.NewGuid();
        await _store.AppendStagedAsync(idle, Bytes(100, seed: 1));
        File.SetLastWriteTimeUtc(Path.Combine(_root, "staging", $"{idle:N}.upload"), _time.GetUtcNow().UtcDateTime);
        var leftover = Path.Combine(_root, "staging", "half-written.tmp");
        await File.WriteAllBytesAsync(leftover, Bytes(50, seed: 2));
        File.SetLastWriteTimeUtc(leftover, _time.GetUtcNow().UtcDateTime);

        _time.Advance(TimeSpan.FromHours(2));
        var active = Guid.NewGuid();
        await _store.AppendStagedAsync(active, Bytes(100, seed: 3));
        File.SetLastWriteTimeUtc(Path.Combine(_root, "staging", $"{active:N}.upload"), _time.GetUtcNow().UtcDateTime);

        Assert.Equal(2, await _store.SweepAsync(TimeSpan.FromHours(1)));

        Assert.Equal(1, (await _store.GetUsageAsync()).StagedUploads);
        Assert.Equal(Hash(Bytes(100, seed: 3)), (await _store.SealStagedAsync(active)).ContentHash);
    }

    [Fact]
    public async Task TheSweep_DeletesContentWhoseReleaseWasInterrupted()
    {
        var content = Bytes(300, seed: 4);
        var hash = Hash(content);
        await _store.AddReferenceAsync(hash, "dataset/gone/1");
        await _store.PutAsync(content);

        // The process stopped after removing the reference and before deleting the content.
        File.Delete(Path.Combine(_root, "refs", hash[..2], hash, "dataset~gone~1.pending"));

        Assert.Equal(1, await _store.SweepAsync(TimeSpan.FromHours(1)));
        Assert.Equal(0, (await _store.GetUsageAsync()).Artifacts);
    }

    [Fact]
    public async Task Writes_AreRefused_WhileTheDiskHasLessFreeSpaceThanTheMinimum_AndAcceptedAtIt()
    {
        var free = new DriveInfo(_root).AvailableFreeSpace;
        var roomy = new FileArtifactStore(_root, minFreeBytes: 1 << 20, time: _time);
        var full = new FileArtifactStore(_root, minFreeBytes: free + (64L << 30), time: _time);

        await roomy.AppendStagedAsync(Guid.NewGuid(), Bytes(10, seed: 5));
        await roomy.PutAsync(Bytes(10, seed: 6));
        var staged = await Assert.ThrowsAsync<InsufficientStorageException>(() => full.AppendStagedAsync(Guid.NewGuid(), Bytes(10, seed: 7)));
        await Assert.ThrowsAsync<InsufficientStorageException>(() => full.PutAsync(Bytes(10, seed: 8)));

        Assert.Contains("OrleansMl__MinFreeDiskMegabytes", staged.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was stored", staged.Message, StringComparison.Ordinal);
    }
}
