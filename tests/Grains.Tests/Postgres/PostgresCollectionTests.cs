using Npgsql;
using OrleansMl.Storage;
using OrleansMl.Storage.Postgres;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Postgres;

/// <summary>
/// Deleting versions and refusing uploads in cluster mode: a silo composed as a cluster-mode silo process, whose
/// artifact store is the PostgreSQL database, keeps there only the bytes that accepted, undeleted versions need.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCollectionTests(PostgresFixture postgres)
{
    [Fact]
    public async Task DeletingAModelVersionThenItsDatasetVersion_RemovesTheirBytesFromTheDatabase()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = new PostgresCluster(database);
        await cluster.StartOrleansMlSiloAsync();
        var client = await cluster.ConnectClientAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        var store = new PostgresArtifactStore(dataSource);
        var (dataset, model) = (TestData.Name("pg-ds"), TestData.Name("pg-m"));

        var upload = await client.UploadDatasetAsync(dataset, TestData.Binary(2000));
        var queued = await client.GetGrain<IModelGrain>(model).TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear));
        var trained = await Eventually.TerminalAsync(client, model, queued.Version);
        Assert.Equal(TrainingStatus.Succeeded, trained.Status);
        var stored = await store.GetUsageAsync();

        await client.GetGrain<IModelGrain>(model).DeleteVersionAsync(trained.Version);
        var afterModel = await store.GetUsageAsync();
        await client.GetGrain<IDatasetGrain>(dataset).DeleteVersionAsync(1);
        var afterDataset = await store.GetUsageAsync();

        Assert.Equal((2, 2), (stored.Artifacts, stored.References));
        Assert.Equal((1, upload.Version.SizeBytes), (afterModel.Artifacts, afterModel.Bytes));
        await Assert.ThrowsAsync<FileNotFoundException>(() => store.OpenReadAsync(trained.ArtifactHash!));
        Assert.Equal(new ArtifactStoreUsage(0, 0, 0, 0, 0), afterDataset);
        Assert.Equal(0, await store.GetChunkBytesAsync());
    }

    [Fact]
    public async Task TwentyRejectedUploads_LeaveTheDatabaseAsItWas()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = new PostgresCluster(database);
        await cluster.StartOrleansMlSiloAsync(new Dictionary<string, string?> { ["OrleansMl:MaxUploadMegabytes"] = "2" });
        var client = await cluster.ConnectClientAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        var store = new PostgresArtifactStore(dataSource);
        var name = TestData.Name("pg-rejected");
        await client.UploadDatasetAsync(TestData.Name("pg-kept"), TestData.Binary(100));
        var before = (await store.GetUsageAsync(), await store.GetChunkBytesAsync());
        string[] bad = ["a,b\n1,2\n3\n", "a,a\n1,2\n", "", "a,b\n", "x,y\n1,\0\n", "a\n" + new string('7', 40_000) + "\n"];

        for (var i = 0; i < 20; i++)
        {
            var csv = i == 19 ? new string('z', 3 << 20) : bad[i % bad.Length] + new string('\n', i / bad.Length);
            await Assert.ThrowsAnyAsync<OrleansMlException>(() => client.UploadDatasetAsync(name, csv));
        }

        Assert.Equal(before, (await store.GetUsageAsync(), await store.GetChunkBytesAsync()));
    }
}
