using System.Security.Cryptography;
using Npgsql;
using OrleansMl.Storage.Postgres;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresArtifactStoreTests(PostgresFixture postgres) : IAsyncLifetime
{
    private NpgsqlDataSource _dataSource = null!;
    private PostgresArtifactStore _store = null!;

    public async Task InitializeAsync()
    {
        _dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await PostgresSchema.EnsureCreatedAsync(_dataSource);
        _store = new PostgresArtifactStore(_dataSource);
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    [Fact]
    public async Task Put_ThenOpenRead_ReturnsTheSameBytesUnderTheirSha256()
    {
        var content = RandomBytes(2_500_000, seed: 1);

        var receipt = await _store.PutAsync(content);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), receipt.ContentHash);
        Assert.Equal(content.Length, receipt.SizeBytes);
        Assert.Equal(content, await ReadAllAsync(receipt.ContentHash));
        Assert.Equal(3, await ScalarAsync("SELECT count(*)::integer FROM orleansml_blob_chunks"));
    }

    [Fact]
    public async Task StagedUpload_InChunksOfAnySize_CommitsTheSha256OfEverythingAppended_WithoutMovingBytes()
    {
        var content = RandomBytes(5 * PostgresArtifactStore.ChunkBytes + 12_345, seed: 2);
        var upload = Guid.NewGuid();
        int[] pieces = [1, 63, 64, 1000, PostgresArtifactStore.ChunkBytes, 3 * PostgresArtifactStore.ChunkBytes / 2, 77];
        var offset = 0;
        var piece = 0;
        while (offset < content.Length)
        {
            var length = Math.Min(pieces[piece++ % pieces.Length], content.Length - offset);
            var staged = await _store.AppendStagedAsync(upload, content.AsMemory(offset, length));
            offset += length;
            Assert.Equal(offset, staged);
        }

        var chunkRows = await ScalarAsync("SELECT count(*)::integer FROM orleansml_blob_chunks");
        var receipt = await CommitAsync(upload);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), receipt.ContentHash);
        Assert.Equal(content.Length, receipt.SizeBytes);
        Assert.Equal(content, await ReadAllAsync(receipt.ContentHash));
        Assert.Equal(chunkRows, await ScalarAsync("SELECT count(*)::integer FROM orleansml_blob_chunks"));
        Assert.True(await ScalarAsync("SELECT max(octet_length(data)) FROM orleansml_blob_chunks") <= PostgresArtifactStore.ChunkBytes);
        Assert.Equal(0, await ScalarAsync("SELECT count(*)::integer FROM orleansml_uploads"));
    }

    [Fact]
    public async Task IdenticalContent_IsStoredOnce_WhetherPutOrUploaded()
    {
        var content = RandomBytes(1_500_000, seed: 3);
        var first = await _store.PutAsync(content);
        var chunkRows = await ScalarAsync("SELECT count(*)::integer FROM orleansml_blob_chunks");

        var second = await _store.PutAsync(content);
        var upload = Guid.NewGuid();
        await _store.AppendStagedAsync(upload, content.AsMemory(0, 700_000));
        await _store.AppendStagedAsync(upload, content.AsMemory(700_000));
        var third = await CommitAsync(upload);

        Assert.Equal(first, second);
        Assert.Equal(first, third);
        Assert.Equal(1, await ScalarAsync("SELECT count(*)::integer FROM orleansml_artifacts"));
        Assert.Equal(chunkRows, await ScalarAsync("SELECT count(*)::integer FROM orleansml_blob_chunks"));
        Assert.Equal(content, await ReadAllAsync(first.ContentHash));
    }

    [Fact]
    public async Task OpenRead_OfAHashNeverStored_ThrowsFileNotFound()
    {
        var missing = Convert.ToHexStringLower(SHA256.HashData("never stored"u8));

        await Assert.ThrowsAsync<FileNotFoundException>(() => _store.OpenReadAsync(missing));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.OpenReadAsync("../../etc/passwd"));
    }

    [Fact]
    public async Task CommittingAnUploadWithNoChunks_StoresEmptyContent()
    {
        var receipt = await CommitAsync(Guid.NewGuid());

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([])), receipt.ContentHash);
        Assert.Equal(0, receipt.SizeBytes);
        Assert.Empty(await ReadAllAsync(receipt.ContentHash));
    }

    [Fact]
    public async Task DeleteStaged_DropsAnUploadInProgress_ButNeverACommittedOne()
    {
        var abandoned = Guid.NewGuid();
        await _store.AppendStagedAsync(abandoned, RandomBytes(10_000, seed: 4));
        var committed = Guid.NewGuid();
        var content = RandomBytes(20_000, seed: 5);
        await _store.AppendStagedAsync(committed, content);
        var receipt = await CommitAsync(committed);

        await _store.DeleteStagedAsync(abandoned);
        await _store.DeleteStagedAsync(committed);

        Assert.Equal(0, await ScalarAsync("SELECT count(*)::integer FROM orleansml_uploads"));
        Assert.Equal(1, await ScalarAsync("SELECT count(*)::integer FROM orleansml_blob_chunks"));
        Assert.Equal(content, await ReadAllAsync(receipt.ContentHash));
    }

    [Fact]
    public async Task DeleteAbandonedUploads_RemovesOnlyUploadsIdleForLongerThanAsked()
    {
        var idle = Guid.NewGuid();
        var active = Guid.NewGuid();
        await _store.AppendStagedAsync(idle, RandomBytes(1000, seed: 6));
        await _store.AppendStagedAsync(active, RandomBytes(1000, seed: 7));
        await using (var age = _dataSource.CreateCommand("UPDATE orleansml_uploads SET updated_at = now() - interval '2 days' WHERE upload_id = @id"))
        {
            age.Parameters.AddWithValue("id", idle);
            await age.ExecuteNonQueryAsync();
        }

        Assert.Equal(1, await _store.DeleteAbandonedUploadsAsync(TimeSpan.FromDays(1)));

        Assert.Equal(1, await ScalarAsync("SELECT count(*)::integer FROM orleansml_uploads"));
        Assert.Equal(1, await ScalarAsync("SELECT count(*)::integer FROM orleansml_blob_chunks"));
        Assert.Equal(1000, (await CommitAsync(active)).SizeBytes);
    }

    [Fact]
    public async Task OpenRead_StreamsChunksLazily_AndReadsSynchronouslyToo()
    {
        var content = RandomBytes(3 * PostgresArtifactStore.ChunkBytes, seed: 8);
        var receipt = await _store.PutAsync(content);

        await using var stream = await _store.OpenReadAsync(receipt.ContentHash);
        var first = new byte[100];
        Assert.Equal(100, stream.Read(first));
        Assert.Equal(content.AsSpan(0, 100).ToArray(), first);

        // Only the first chunk was fetched: dropping the later ones now makes the rest of the read fail.
        await using (var drop = _dataSource.CreateCommand("DELETE FROM orleansml_blob_chunks WHERE seq > 0"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        var rest = new MemoryStream();
        await Assert.ThrowsAsync<IOException>(() => stream.CopyToAsync(rest));
        Assert.Equal(PostgresArtifactStore.ChunkBytes - 100, rest.Length);
    }

    private async Task<UploadReceipt> CommitAsync(Guid upload)
    {
        var receipt = await _store.SealStagedAsync(upload);
        await _store.CommitStagedAsync(upload, receipt);
        return receipt;
    }

    private async Task<byte[]> ReadAllAsync(string hash)
    {
        await using var stream = await _store.OpenReadAsync(hash);
        var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private async Task<int> ScalarAsync(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
