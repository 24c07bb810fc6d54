using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansMl.Storage;
using OrleansMl.Tests.Postgres;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Storage;

/// <summary>
/// What the group-commit grain storage promises, run against SQLite (<see cref="SqliteGroupCommitStorageTests"/>) and
/// PostgreSQL (<c>PostgresGroupCommitStorageTests</c>): concurrent writes share transactions and each is stored; a stale
/// ETag fails its own write and no other; a transaction that fails fails every write in it and changes nothing.
/// </summary>
public abstract class GroupCommitStorageContract : IAsyncLifetime
{
    private const string State = "probe";
    private readonly List<GroupCommitGrainStorage> _storages = [];
    private ServiceProvider _services = null!;

    /// <summary>A storage on the test's database, as a silo would make it (no previous storage).</summary>
    protected GroupCommitGrainStorage NewStorage()
    {
        var storage = new GroupCommitGrainStorage(Database, "group-commit-tests",
            new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>()), null, NullLogger<GroupCommitGrainStorage>.Instance);
        _storages.Add(storage);
        return storage;
    }

    protected abstract GroupCommitDatabase Database { get; }

    /// <summary>Creates an empty database with the schema.</summary>
    protected abstract Task CreateDatabaseAsync();

    /// <summary>Holds the table's write lock until the returned handle is disposed: writers wait meanwhile.</summary>
    protected abstract Task<IAsyncDisposable> BlockWritersAsync();

    /// <summary>Makes the database refuse (with an error) every insert or update of <paramref name="grainId"/>'s row.</summary>
    protected abstract Task PoisonAsync(string grainId);

    protected virtual Task DropDatabaseAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(ProbeState).Assembly)).BuildServiceProvider();
        await CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var storage in _storages)
        {
            await storage.DisposeAsync();
        }

        await _services.DisposeAsync();
        await DropDatabaseAsync();
    }

    [Fact]
    public async Task ConcurrentWriters_ShareTransactions_AndEveryWriteIsReadBack()
    {
        var storage = NewStorage();
        var grains = Enumerable.Range(0, 300).Select(i => GrainId.Create("probe", $"concurrent-{i}")).ToArray();
        var states = grains.Select(_ => new GrainState<ProbeState>(new ProbeState())).ToArray();

        for (var round = 1; round <= 3; round++)
        {
            await Task.WhenAll(grains.Select((g, i) =>
            {
                states[i].State!.Value = $"{g.Key} round {round}";
                return storage.WriteStateAsync(State, g, states[i]);
            }));
        }

        Assert.All(states, s => Assert.Equal("3", s.ETag));
        Assert.Equal(900, storage.Writes);
        Assert.True(storage.Groups < storage.Writes / 2, $"{storage.Writes} concurrent writes took {storage.Groups} transactions");

        var fresh = NewStorage();
        for (var i = 0; i < grains.Length; i++)
        {
            var read = await ReadAsync(fresh, grains[i]);
            Assert.True(read.RecordExists);
            Assert.Equal("3", read.ETag);
            Assert.Equal($"{grains[i].Key} round 3", read.State!.Value);
        }
    }

    [Fact]
    public async Task AStaleETag_FailsThatWriteAlone_AndChangesNothing()
    {
        var storage = NewStorage();
        var contested = GrainId.Create("probe", "contested");
        var mine = new GrainState<ProbeState>(new ProbeState { Value = "first" });
        await storage.WriteStateAsync(State, contested, mine);
        var stale = await ReadAsync(storage, contested);
        mine.State!.Value = "second";
        await storage.WriteStateAsync(State, contested, mine);

        // The stale write and others queued behind a held lock, so that they share one transaction.
        var groups0 = storage.Groups;
        var others = Enumerable.Range(0, 20).Select(i => (Id: GrainId.Create("probe", $"bystander-{i}"), State: new GrainState<ProbeState>(new ProbeState { Value = $"by {i}" }))).ToArray();
        Task staleWrite;
        Task[] otherWrites;
        var blind = new GrainState<ProbeState>(new ProbeState { Value = "blind" });
        Task blindWrite;
        await using (await BlockWritersAsync())
        {
            var groups = storage.Groups;
            var first = storage.WriteStateAsync(State, GrainId.Create("probe", "first"), new GrainState<ProbeState>(new ProbeState { Value = "first" }));
            await WaitAsync(() => storage.Groups == groups + 1, "the first group to close");
            stale.State!.Value = "stale";
            staleWrite = storage.WriteStateAsync(State, contested, stale);
            blindWrite = storage.WriteStateAsync(State, contested, blind);
            otherWrites = [first, .. others.Select(o => storage.WriteStateAsync(State, o.Id, o.State))];
            await WaitAsync(() => storage.Queued == others.Length + 2, "the writes to be queued");
        }

        await Assert.ThrowsAsync<InconsistentStateException>(() => staleWrite);
        await Assert.ThrowsAsync<InconsistentStateException>(() => blindWrite);
        await Task.WhenAll(otherWrites);
        Assert.Equal(groups0 + 2, storage.Groups);
        Assert.Equal("1", stale.ETag);
        Assert.Null(blind.ETag);

        var stored = await ReadAsync(NewStorage(), contested);
        Assert.Equal(("second", "2"), (stored.State!.Value, stored.ETag));
        foreach (var (id, state) in others)
        {
            Assert.Equal(state.State!.Value, (await ReadAsync(storage, id)).State!.Value);
        }
    }

    [Fact]
    public async Task AFailedTransaction_FailsEveryWriteInIt_AndChangesNothing()
    {
        var storage = NewStorage();
        var kept = Enumerable.Range(0, 5).Select(i => GrainId.Create("probe", $"kept-{i}")).ToArray();
        var states = kept.Select(k => new GrainState<ProbeState>(new ProbeState { Value = "v1" })).ToArray();
        await Task.WhenAll(kept.Select((k, i) => storage.WriteStateAsync(State, k, states[i])));
        var poisoned = GrainId.Create("probe", "poisoned");
        await PoisonAsync(poisoned.ToString());
        var before = GrainId.Create("probe", "before");

        Task first;
        Task[] doomed;
        await using (await BlockWritersAsync())
        {
            // The first write's group closes alone and waits on the lock; the rest queue behind it as one group.
            var groups = storage.Groups;
            first = storage.WriteStateAsync(State, before, new GrainState<ProbeState>(new ProbeState { Value = "alone" }));
            await WaitAsync(() => storage.Groups == groups + 1, "the first group to close");
            doomed =
            [
                .. kept.Select((k, i) =>
                {
                    states[i].State!.Value = "v2";
                    return storage.WriteStateAsync(State, k, states[i]);
                }),
                storage.WriteStateAsync(State, poisoned, new GrainState<ProbeState>(new ProbeState { Value = "never" })),
            ];
            await WaitAsync(() => storage.Queued == doomed.Length, "the doomed writes to be queued");
        }

        await first;
        foreach (var write in doomed)
        {
            var error = await Assert.ThrowsAsync<OrleansException>(() => write);
            Assert.Contains("Nothing of it was changed", error.Message, StringComparison.Ordinal);
        }

        Assert.All(states, s => Assert.Equal("1", s.ETag));
        var fresh = NewStorage();
        foreach (var k in kept)
        {
            var stored = await ReadAsync(fresh, k);
            Assert.Equal(("v1", "1"), (stored.State!.Value, stored.ETag));
        }

        Assert.False((await ReadAsync(fresh, poisoned)).RecordExists);
        Assert.Equal("alone", (await ReadAsync(fresh, before)).State!.Value);

        // Nothing changed, so the ETags the failed writes carried are still current.
        states[0].State!.Value = "v2";
        await storage.WriteStateAsync(State, kept[0], states[0]);
        Assert.Equal("2", states[0].ETag);
    }

    [Fact]
    public async Task Clear_KeepsCountingVersions_AndAClearedStateReadsAsNew()
    {
        var storage = NewStorage();
        var grain = GrainId.Create("probe", "cleared");
        var state = new GrainState<ProbeState>(new ProbeState { Value = "soon gone" });
        await storage.WriteStateAsync(State, grain, state);
        var stale = await ReadAsync(storage, grain);

        await storage.ClearStateAsync(State, grain, state);

        Assert.Equal("2", state.ETag);
        var cleared = await ReadAsync(NewStorage(), grain);
        Assert.False(cleared.RecordExists);
        Assert.Null(cleared.State!.Value);
        Assert.Equal("2", cleared.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(State, grain, stale));
        cleared.State!.Value = "again";
        await storage.WriteStateAsync(State, grain, cleared);
        Assert.Equal(("again", "3"), ((await ReadAsync(storage, grain)).State!.Value, cleared.ETag));
    }

    private static async Task<GrainState<ProbeState>> ReadAsync(GroupCommitGrainStorage storage, GrainId grain)
    {
        var state = new GrainState<ProbeState>(new ProbeState());
        await storage.ReadStateAsync(State, grain, state);
        return state;
    }

    private static Task<bool> WaitAsync(Func<bool> condition, string what) =>
        Eventually.GetAsync(() => Task.FromResult(condition()), done => done, TimeSpan.FromSeconds(20), what);
}
