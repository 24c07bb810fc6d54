using Npgsql;
using OrleansMl.Storage;
using OrleansMl.Storage.Postgres;
using OrleansMl.Tests.Storage;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Postgres;

/// <summary>The artifact store contract against the cluster-mode store in a real PostgreSQL database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresArtifactReferenceTests(PostgresFixture postgres) : ArtifactStoreContract, IAsyncLifetime
{
    private NpgsqlDataSource _dataSource = null!;
    private PostgresArtifactStore _store = null!;

    protected override IArtifactStore Store => _store;

    public async Task InitializeAsync()
    {
        _dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await PostgresSchema.EnsureCreatedAsync(_dataSource);
        _store = new PostgresArtifactStore(_dataSource);
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    protected override async Task AgeReferencesAsync(TimeSpan age)
    {
        await using var command = _dataSource.CreateCommand("UPDATE orleansml_artifact_refs SET updated_at = updated_at - @age");
        command.Parameters.AddWithValue("age", age);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task ReleasingTheLastReference_DeletesTheChunksToo()
    {
        var content = Bytes(3 * PostgresArtifactStore.ChunkBytes, seed: 9);
        var hash = Hash(content);
        await _store.AddReferenceAsync(hash, "model/chunks/1");
        await _store.PutAsync(content);

        Assert.True(await _store.ReleaseReferenceAsync(hash, "model/chunks/1"));

        Assert.Equal(0, await _store.GetChunkBytesAsync());
    }
}
