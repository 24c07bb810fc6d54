using System.Security.Cryptography;
using OrleansMl.Storage;

namespace OrleansMl.Tests.Storage;

/// <summary>
/// What every artifact store does with staged uploads and references, run against the file store and (in
/// <c>PostgresArtifactReferenceTests</c>) the PostgreSQL store.
/// </summary>
public abstract class ArtifactStoreContract
{
    protected abstract IArtifactStore Store { get; }

    /// <summary>Makes every reference look as if it had been added <paramref name="age"/> ago.</summary>
    protected abstract Task AgeReferencesAsync(TimeSpan age);

    [Fact]
    public async Task ASealedUpload_IsReadBeforeItIsCommitted_AndDeletingItLeavesNothing()
    {
        var before = await Store.GetUsageAsync();
        var upload = Guid.NewGuid();
        var content = Bytes(3000, seed: 1);
        await Store.AppendStagedAsync(upload, content.AsMemory(0, 1000));
        await Store.AppendStagedAsync(upload, content.AsMemory(1000));

        var sealedAs = await Store.SealStagedAsync(upload);
        await using (var staged = await Store.OpenStagedAsync(upload))
        {
            Assert.Equal(content, await ReadAsync(staged));
        }

        await Store.DeleteStagedAsync(upload);

        Assert.Equal(Hash(content), sealedAs.ContentHash);
        Assert.Equal(before, await Store.GetUsageAsync());
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync(sealedAs.ContentHash));
    }

    [Fact]
    public async Task ReleasingTheLastReference_DeletesTheContent_ButNotWhileAnotherOwnerHoldsIt()
    {
        var content = Bytes(5000, seed: 2);
        var hash = Hash(content);
        await Store.AddReferenceAsync(hash, "dataset/one/1");
        await Store.AddReferenceAsync(hash, "model/two/3");
        await Store.PutAsync(content);
        await Store.ConfirmReferenceAsync(hash, "dataset/one/1");
        await Store.ConfirmReferenceAsync(hash, "model/two/3");

        Assert.False(await Store.ReleaseReferenceAsync(hash, "dataset/one/1"));
        Assert.Equal(content, await ReadAsync(await Store.OpenReadAsync(hash)));
        Assert.True(await Store.ReleaseReferenceAsync(hash, "model/two/3"));
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync(hash));
        Assert.False(await Store.ReleaseReferenceAsync(hash, "model/two/3"));
    }

    [Fact]
    public async Task ContentStoredWithoutAnyReference_IsKept_WhenAReferenceItNeverHadIsReleased()
    {
        // Content stored before references existed has none; releasing one that never existed must not delete it.
        var content = Bytes(700, seed: 3);
        var receipt = await Store.PutAsync(content);

        Assert.False(await Store.ReleaseReferenceAsync(receipt.ContentHash, "dataset/old/1"));

        Assert.Equal(content, await ReadAsync(await Store.OpenReadAsync(receipt.ContentHash)));
    }

    [Fact]
    public async Task UnconfirmedReferences_AreListedOnceOld_AndAConfirmedOneIsNot()
    {
        var content = Bytes(900, seed: 4);
        var hash = Hash(content);
        await Store.AddReferenceAsync(hash, "dataset/pending-ref/1");
        await Store.AddReferenceAsync(hash, "dataset/confirmed-ref/1");
        await Store.PutAsync(content);
        await Store.ConfirmReferenceAsync(hash, "dataset/confirmed-ref/1");

        var young = await Store.GetUnconfirmedReferencesAsync(TimeSpan.FromHours(1));
        await AgeReferencesAsync(TimeSpan.FromHours(2));
        var old = await Store.GetUnconfirmedReferencesAsync(TimeSpan.FromHours(1));

        Assert.DoesNotContain(young, r => r.Hash == hash);
        Assert.Equal(["dataset/pending-ref/1"], old.Where(r => r.Hash == hash).Select(r => r.Owner));
    }

    [Fact]
    public async Task AddingAReferenceAgain_KeepsItConfirmed()
    {
        var content = Bytes(400, seed: 5);
        var hash = Hash(content);
        await Store.AddReferenceAsync(hash, "model/again/1");
        await Store.PutAsync(content);
        await Store.ConfirmReferenceAsync(hash, "model/again/1");

        await Store.AddReferenceAsync(hash, "model/again/1");
        await AgeReferencesAsync(TimeSpan.FromHours(2));

        Assert.DoesNotContain(await Store.GetUnconfirmedReferencesAsync(TimeSpan.FromHours(1)), r => r.Hash == hash);
    }

    protected static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    protected static string Hash(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    protected static async Task<byte[]> ReadAsync(Stream stream)
    {
        await using (stream)
        {
            var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            return buffer.ToArray();
        }
    }
}
