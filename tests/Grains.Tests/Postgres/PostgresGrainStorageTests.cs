using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;
using OrleansMl.Hosting;
using OrleansMl.Storage.Postgres;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Postgres;

/// <summary>Our grain-state queries driven by Orleans' own ADO.NET grain storage, as a silo configures it.</summary>
[Collection(PostgresCollection.Name)]
[SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes the cluster through IAsyncLifetime.DisposeAsync.")]
public sealed class PostgresGrainStorageTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string Deleting = "deleting";

    private PostgresCluster _cluster = null!;
    private IHost _silo = null!;

    public async Task InitializeAsync()
    {
        _cluster = new PostgresCluster(await postgres.CreateDatabaseAsync());
        _silo = await _cluster.StartSiloAsync(silo =>
        {
            silo.AddAdoNetGrainStorage(Deleting, o =>
            {
                o.Invariant = PostgresSiloExtensions.Invariant;
                o.ConnectionString = _cluster.ConnectionString;
                o.DeleteStateOnClear = true;
            });
            silo.Services.AddKeyedSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>(Deleting);
        });
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Writes_CarryTheVersionRead_AndAStaleOrBlindWriteIsAConflict()
    {
        var storage = Storage(StorageNames.Grains);
        var grain = GrainId.Create("probe", "versions");
        var state = await ReadAsync(storage, grain);
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);

        state.State!.Value = "one";
        await storage.WriteStateAsync("probe", grain, state);
        Assert.Equal("1", state.ETag);
        var stale = await ReadAsync(storage, grain);
        state.State!.Value = "two";
        await storage.WriteStateAsync("probe", grain, state);
        Assert.Equal("2", state.ETag);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("probe", grain, stale));
        var blind = new GrainState<ProbeState>(new ProbeState { Value = "blind" });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("probe", grain, blind));

        var stored = await ReadAsync(storage, grain);
        Assert.Equal("two", stored.State!.Value);
        Assert.Equal("2", stored.ETag);
        Assert.True(stored.RecordExists);
    }

    [Fact]
    public async Task Clear_KeepsCountingVersions_SoTheStateCanBeWrittenAgain()
    {
        var storage = Storage(StorageNames.Grains);
        var grain = GrainId.Create("probe", "clear");
        var state = await ReadAsync(storage, grain);
        state.State!.Value = "soon gone";
        await storage.WriteStateAsync("probe", grain, state);
        var stale = await ReadAsync(storage, grain);

        await storage.ClearStateAsync("probe", grain, state);

        Assert.Equal("2", state.ETag);
        var cleared = await ReadAsync(storage, grain);
        Assert.False(cleared.RecordExists);
        Assert.Null(cleared.State!.Value);
        Assert.Equal("2", cleared.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("probe", grain, stale));
        cleared.State!.Value = "back";
        await storage.WriteStateAsync("probe", grain, cleared);
        Assert.Equal("back", (await ReadAsync(storage, grain)).State!.Value);
    }

    [Fact]
    public async Task ClearWithDeleteStateOnClear_RemovesTheRow_AndTheNextWriteStartsOver()
    {
        var storage = Storage(Deleting);
        var grain = GrainId.Create("probe", "delete");
        var state = await ReadAsync(storage, grain);
        state.State!.Value = "deleted soon";
        await storage.WriteStateAsync("probe", grain, state);

        await storage.ClearStateAsync("probe", grain, state);

        Assert.Null(state.ETag);
        var gone = await ReadAsync(storage, grain);
        Assert.False(gone.RecordExists);
        Assert.Null(gone.ETag);
        gone.State!.Value = "again";
        await storage.WriteStateAsync("probe", grain, gone);
        Assert.Equal("1", gone.ETag);
    }

    [Fact]
    public async Task StringKeysWithAndWithoutExtensions_AreSeparateStates()
    {
        var storage = Storage(StorageNames.Grains);
        var plain = GrainId.Create("probe", "same");
        var guidKey = Guid.NewGuid();
        var withExtension = GrainId.Create(GrainType.Create("probe"), GrainIdKeyExtensions.CreateGuidKey(guidKey, "ext"));
        var withoutExtension = GrainId.Create(GrainType.Create("probe"), GrainIdKeyExtensions.CreateGuidKey(guidKey));
        foreach (var (grain, value) in new[] { (plain, "plain"), (withExtension, "with"), (withoutExtension, "without") })
        {
            var state = await ReadAsync(storage, grain);
            state.State!.Value = value;
            await storage.WriteStateAsync("probe", grain, state);
        }

        Assert.Equal("plain", (await ReadAsync(storage, plain)).State!.Value);
        Assert.Equal("with", (await ReadAsync(storage, withExtension)).State!.Value);
        Assert.Equal("without", (await ReadAsync(storage, withoutExtension)).State!.Value);
    }

    private IGrainStorage Storage(string name) => _silo.Services.GetRequiredKeyedService<IGrainStorage>(name);

    private static async Task<GrainState<ProbeState>> ReadAsync(IGrainStorage storage, GrainId grain)
    {
        var state = new GrainState<ProbeState>(new ProbeState());
        await storage.ReadStateAsync("probe", grain, state);
        return state;
    }
}
