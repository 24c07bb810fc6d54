using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansMl.Features;
using OrleansMl.Hosting;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

/// <summary>
/// The online feature store on a real silo with SQLite grain storage and a fake feature clock: TTL on every read,
/// window aggregates against a brute-force recount, bad input refused whole, and writes that survive a reload.
/// </summary>
[Collection(FeatureStoreCollection.Name)]
public sealed class FeatureStoreTests(FeatureStoreFixture fixture) : IDisposable
{
    private static readonly TimeSpan[] Windows = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1)];

    private IClusterClient Grains => fixture.Client;

    public void Dispose() => fixture.Faults.Clear();

    [Fact]
    public async Task Value_IsPresentWithItsAge_BeforeTheTtl_AndReportedExpired_After()
    {
        var (set, definition) = await DefineAsync(ttl: TimeSpan.FromMinutes(10));
        var entity = Entity(set, "c-1");
        await entity.SetValuesAsync(definition.Revision, Values(("balance", 120.5), ("segment", "premium")));

        fixture.Time.Advance(TimeSpan.FromMinutes(9) + TimeSpan.FromSeconds(59));
        var fresh = await entity.GetAsync(definition.Revision);
        Assert.Equal(120.5, fresh.Values["balance"].Value.Number);
        Assert.Equal("premium", fresh.Values["segment"].Value.Text);
        Assert.Equal(TimeSpan.FromMinutes(9) + TimeSpan.FromSeconds(59), fresh.Values["balance"].Age);
        Assert.Empty(fresh.Expired);

        // Only the balance is written again: the segment expires on its own.
        await entity.SetValuesAsync(definition.Revision, Values(("balance", 99.0)));
        fixture.Time.Advance(TimeSpan.FromSeconds(2));
        var later = await entity.GetAsync(definition.Revision);
        Assert.False(later.Values.ContainsKey("segment"));
        Assert.Equal("segment", Assert.Single(later.Expired));
        Assert.Equal(99.0, later.Values["balance"].Value.Number);
        Assert.Equal(TimeSpan.FromSeconds(2), later.Values["balance"].Age);

        // Expiry holds after a reload from storage too: the stored time, not the activation, decides.
        await fixture.Cluster.DeactivateAsync(entity);
        fixture.Time.Advance(TimeSpan.FromMinutes(10));
        var reloaded = await entity.GetAsync(definition.Revision);
        Assert.Empty(reloaded.Values);
        Assert.Equal(["balance", "segment"], reloaded.Expired.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Aggregates_OfRandomStreams_WithLateAndOutOfWindowEvents_EqualABruteForceRecount()
    {
        var aggregates = Windows.SelectMany(w => Enum.GetValues<AggregateOp>().Select(op =>
            new AggregateSpec($"{EnumWords.Word(op)}_{(int)w.TotalSeconds}", op, "amount", w))).ToList();
        aggregates.Add(new AggregateSpec("events_1h", AggregateOp.Count, null, TimeSpan.FromHours(1)));
        var (set, definition) = await DefineAsync(aggregates: [.. aggregates]);
        var keys = Enumerable.Range(0, 6).Select(i => $"k{i}").ToArray();
        var accepted = keys.ToDictionary(k => k, _ => new List<(DateTimeOffset At, double? Amount)>());
        var random = new Random(1234);
        int sentOutOfWindow = 0, sentAccepted = 0;

        for (var round = 0; round < 12; round++)
        {
            var now = fixture.Time.GetUtcNow();
            var batch = Enumerable.Range(0, 150).Select(_ =>
            {
                // Mostly inside the hour, some late by more than the longest window, a few slightly in the future.
                var offset = TimeSpan.FromSeconds(random.Next(-4_000, 60));
                double? amount = random.NextDouble() < 0.1 ? null : Math.Round(random.NextDouble() * 200 - 50, 2);
                return (Key: keys[random.Next(keys.Length)], At: now + offset, Amount: amount);
            }).ToList();

            foreach (var group in batch.Select((e, i) => (e, i)).GroupBy(x => x.e.Key))
            {
                var events = group.Select(x => new FeatureEvent(x.e.At, x.e.Amount is { } a
                    ? ImmutableDictionary<string, FeatureValue>.Empty.Add("amount", a)
                    : ImmutableDictionary<string, FeatureValue>.Empty)).ToImmutableArray();
                var result = await Entity(set, group.Key).AddEventsAsync(definition.Revision, events, [.. group.Select(x => x.i)]);
                var inWindow = group.Where(x => x.e.At > now - TimeSpan.FromHours(1)).ToList();
                Assert.Equal(inWindow.Count, result.Accepted);
                Assert.Equal(group.Count() - inWindow.Count, result.OutOfWindow);
                Assert.Equal(0, result.Invalid + result.OverLimit);
                Assert.All(result.Errors, e => Assert.Contains("out of window", e.Reason, StringComparison.Ordinal));
                accepted[group.Key].AddRange(inWindow.Select(x => (x.e.At, x.e.Amount)));
                sentAccepted += result.Accepted;
                sentOutOfWindow += result.OutOfWindow;
            }

            fixture.Time.Advance(TimeSpan.FromSeconds(random.Next(1, 400)));
            foreach (var key in keys)
            {
                var vector = await Entity(set, key).GetAsync(definition.Revision);
                AssertMatchesRecount(aggregates, accepted[key], fixture.Time.GetUtcNow(), vector);
            }
        }

        Assert.True(sentOutOfWindow > 0 && sentAccepted > 0, $"accepted {sentAccepted}, out of window {sentOutOfWindow}");

        // The events survive a reload from storage, and the windows keep sliding on the fake clock.
        fixture.Time.Advance(TimeSpan.FromMinutes(30));
        foreach (var key in keys)
        {
            await fixture.Cluster.DeactivateAsync(Entity(set, key));
            AssertMatchesRecount(aggregates, accepted[key], fixture.Time.GetUtcNow(), await Entity(set, key).GetAsync(definition.Revision));
        }
    }

    [Fact]
    public async Task Events_BadOnesAndOnesPastThePerKeyLimit_AreCountedApart_AndTheRestAccepted()
    {
        var (set, definition) = await DefineAsync();
        var now = fixture.Time.GetUtcNow();
        var entity = Entity(set, "c-9");
        var result = await entity.AddEventsAsync(definition.Revision,
        [
            Event(now, ("amount", 5.0)),
            Event(now, ("unknown", 1.0)),
            Event(now, ("amount", "five")),
            Event(now + TimeSpan.FromHours(1), ("amount", 1.0)),
            new FeatureEvent(default, ImmutableDictionary<string, FeatureValue>.Empty),
            Event(now - TimeSpan.FromHours(2), ("amount", 1.0)),
        ], [10, 11, 12, 13, 14, 15]);

        // The default timestamp is a time like any other (0001-01-01), older than every window; only the gateway knows
        // whether a caller left it out.
        Assert.Equal((1, 3, 2, 0), (result.Accepted, result.Invalid, result.OutOfWindow, result.OverLimit));
        Assert.Equal([11, 12, 13, 14, 15], result.Errors.Select(e => e.Index));
        Assert.Contains("'unknown' is not a column of any aggregate", result.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("must be a finite number", result.Errors[1].Reason, StringComparison.Ordinal);
        Assert.Contains("in the future", result.Errors[2].Reason, StringComparison.Ordinal);
        Assert.Contains("out of window: 0001-01-01T00:00:00", result.Errors[3].Reason, StringComparison.Ordinal);
        Assert.Contains("out of window", result.Errors[4].Reason, StringComparison.Ordinal);

        var many = Enumerable.Range(0, FeatureStoreFixture.EventsPerKey + 10).Select(_ => Event(now, ("amount", 1.0))).ToImmutableArray();
        var full = await entity.AddEventsAsync(definition.Revision, many, default);
        Assert.Equal(FeatureStoreFixture.EventsPerKey - 1, full.Accepted);
        Assert.Equal(11, full.OverLimit);
        Assert.Contains("OrleansMl__MaxFeatureEventsPerKey", full.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Equal((double)FeatureStoreFixture.EventsPerKey, (await entity.GetAsync(definition.Revision)).Aggregates["tx_count_1h"]);

        // Once the window has passed, the key has room again.
        fixture.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, (await entity.AddEventsAsync(definition.Revision, [Event(fixture.Time.GetUtcNow(), ("amount", 2.0))], default)).Accepted);
        Assert.Equal(1.0, (await entity.GetAsync(definition.Revision)).Aggregates["tx_count_1h"]);
    }

    [Fact]
    public async Task Values_WithUnknownNamesOrWrongKinds_AreRefusedNamingEach_AndChangeNothing()
    {
        var (set, definition) = await DefineAsync();
        var entity = Entity(set, "c-2");
        await entity.SetValuesAsync(definition.Revision, Values(("balance", 10.0), ("segment", "retail"), ("vip", false)));

        var error = await Assert.ThrowsAsync<InvalidFeatureValuesException>(() => entity.SetValuesAsync(definition.Revision,
            Values(("balance", 20.0), ("colour", "red"), ("segment", 3.0), ("vip", "yes"))));
        Assert.Contains("unknown name 'colour'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'segment' must be a string (categorical), not the number 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("'vip' must be true or false (boolean), not the string \"yes\"", error.Message, StringComparison.Ordinal);

        var after = await entity.GetAsync(definition.Revision);
        Assert.Equal(10.0, after.Values["balance"].Value.Number);
        Assert.Equal("retail", after.Values["segment"].Value.Text);
        Assert.Equal(0, after.Values["vip"].Value.Number);
    }

    [Fact]
    public async Task InvalidDefinitions_AreRefusedNamingTheProblem_AndKeepTheCurrentRevision()
    {
        var (set, definition) = await DefineAsync();
        var grain = Grains.GetGrain<IFeatureSetGrain>(set);
        var amount = new AggregateSpec("a", AggregateOp.Sum, "amount", TimeSpan.FromHours(1));
        var cases = new (FeatureSetSpec Spec, string Problem)[]
        {
            (new(null, TimeSpan.FromHours(1), [], [amount]), "key is required"),
            (new("bad key", TimeSpan.FromHours(1), [], [amount]), "key 'bad key' is not a valid column name"),
            (new("id", null, [], [amount]), "ttl is required"),
            (new("id", TimeSpan.FromHours(-1), [], [amount]), "ttl -01:00:00 must be positive"),
            (new("id", TimeSpan.FromHours(1), [], []), "declares neither values nor aggregates"),
            (new("id", TimeSpan.FromHours(1), [new("x"), new("x")], []), "'x' is declared twice"),
            (new("id", TimeSpan.FromHours(1), [new("x", ColumnKind.Text)], []), "kind 'text'"),
            (new("id", TimeSpan.FromHours(1), [new("x", ColumnKind.Numeric, FeatureValue.FromString("n/a"))], []), "the default of 'x' (the string \"n/a\") is not a number"),
            (new("id", TimeSpan.FromHours(1), [], [amount with { Column = null }]), "aggregate 'a' needs a column"),
            (new("id", TimeSpan.FromHours(1), [], [amount with { Window = TimeSpan.Zero }]), "aggregate 'a' needs a positive window"),
            (new("id", TimeSpan.FromHours(1), [], [amount with { Window = TimeSpan.FromDays(8) }]), "OrleansMl__MaxFeatureWindow"),
            (new("id", TimeSpan.FromHours(1), [], [amount with { Op = (AggregateOp)9 }]), "no valid op"),
            (new("id", TimeSpan.FromHours(1), [.. Enumerable.Range(0, FeatureStoreFixture.ValuesPerSet + 1).Select(i => new FeatureValueSpec($"v{i}"))], []), "OrleansMl__MaxFeatureValuesPerSet"),
            (new("id", TimeSpan.FromHours(1), [], [.. Enumerable.Range(0, FeatureStoreFixture.AggregatesPerSet + 1).Select(i => amount with { Name = $"a{i}" })]), "OrleansMl__MaxFeatureAggregatesPerSet"),
        };

        foreach (var (spec, problem) in cases)
        {
            var error = await Assert.ThrowsAsync<InvalidFeatureSetException>(() => grain.DefineAsync(spec));
            Assert.Contains(problem, error.Message, StringComparison.Ordinal);
            Assert.Contains("nothing was changed", error.Message, StringComparison.Ordinal);
        }

        var kept = await grain.GetAsync();
        Assert.Equal((definition.Revision, definition.UpdatedAt, definition.Key), (kept.Revision, kept.UpdatedAt, kept.Key));
        Assert.Equal(definition.Aggregates.AsEnumerable(), kept.Aggregates.AsEnumerable());
        await Assert.ThrowsAsync<FeatureSetNotFoundException>(() => Grains.GetGrain<IFeatureSetGrain>(TestData.Name("fs-none")).GetAsync());
    }

    [Fact]
    public async Task Redefinition_IsSeenByEntities_ThatCachedTheOldRevision()
    {
        var (set, first) = await DefineAsync();
        var entity = Entity(set, "c-3");
        await entity.SetValuesAsync(first.Revision, Values(("balance", 1.0)));
        await Assert.ThrowsAsync<InvalidFeatureValuesException>(() => entity.SetValuesAsync(first.Revision, Values(("score", 0.5))));

        var second = await Grains.GetGrain<IFeatureSetGrain>(set).DefineAsync(new FeatureSetSpec(
            "customer_id", TimeSpan.FromHours(1), [new("balance"), new("score")], first.Aggregates));
        Assert.Equal(first.Revision + 1, second.Revision);
        var vector = await entity.SetValuesAsync(second.Revision, Values(("score", 0.5)));
        Assert.Equal(second.Revision, vector.Revision);
        Assert.Equal(["balance", "score"], vector.Values.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task FailedWrite_IsUnavailable_AndChangesNothing_AlsoAfterAReload()
    {
        var (set, definition) = await DefineAsync();
        var entity = Entity(set, "c-4");
        await entity.SetValuesAsync(definition.Revision, Values(("balance", 1.0)));
        await entity.AddEventsAsync(definition.Revision, [Event(fixture.Time.GetUtcNow(), ("amount", 3.0))], default);

        using (fixture.Faults.FailWrites("featureentity", FeatureKeys.EntityGrainKey(set, "c-4")))
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(() => entity.SetValuesAsync(definition.Revision, Values(("balance", 2.0))));
            await Assert.ThrowsAsync<StorageUnavailableException>(() =>
                entity.AddEventsAsync(definition.Revision, [Event(fixture.Time.GetUtcNow(), ("amount", 4.0))], default));
            var during = await entity.GetAsync(definition.Revision);
            Assert.Equal((1.0, 3.0), (during.Values["balance"].Value.Number, during.Aggregates["tx_sum_1h"]!.Value));
        }

        await fixture.Cluster.DeactivateAsync(entity);
        var after = await entity.GetAsync(definition.Revision);
        Assert.Equal((1.0, 3.0), (after.Values["balance"].Value.Number, after.Aggregates["tx_sum_1h"]!.Value));
    }

    [Fact]
    public async Task Reader_ReturnsManyKeysInOrder_FromOneDefinitionRead()
    {
        var (set, definition) = await DefineAsync();
        await Entity(set, "a").SetValuesAsync(definition.Revision, Values(("balance", 1.0)));
        await Entity(set, "b").SetValuesAsync(definition.Revision, Values(("balance", 2.0)));

        var vectors = await Grains.GetGrain<IFeatureReaderGrain>(set).ReadAsync(set, ["b", "never-written", "a"]);
        Assert.Equal(["b", "never-written", "a"], vectors.Select(v => v.Key));
        Assert.Equal(2.0, vectors[0].Values["balance"].Value.Number);
        Assert.Empty(vectors[1].Values);
        Assert.Equal(0.0, vectors[1].Aggregates["tx_count_1h"]);
        var error = await Assert.ThrowsAsync<InvalidFeatureValuesException>(() => Grains.GetGrain<IFeatureReaderGrain>(set).ReadAsync(set, ["ok", "no/slash"]));
        Assert.Contains("'no/slash'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEntityStoredBeforeGroupCommits_IsReadFromTheOldTable_AndMovesOnItsNextWrite()
    {
        var (set, definition) = await DefineAsync();
        var entity = Entity(set, "c-legacy");
        var at = fixture.Time.GetUtcNow().AddMinutes(-5);

        // As the previous release stored it: through Orleans' ADO.NET provider, under the same state name.
        var services = fixture.Cluster.Silos[0].SiloHost.Services;
        var legacy = services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Grains);
        var old = new GrainState<FeatureEntityState>(new FeatureEntityState(
            ImmutableDictionary<string, StoredFeatureValue>.Empty.Add("balance", new StoredFeatureValue(7.5, at)),
            ["amount"],
            [new StoredEvent(at.UtcTicks, [10.0]), new StoredEvent(at.UtcTicks, [5.0])]));
        await legacy.WriteStateAsync("featureentity", entity.GetGrainId(), old);

        var read = await entity.GetAsync(definition.Revision);
        Assert.Equal((7.5, 15.0), (read.Values["balance"].Value.Number, read.Aggregates["tx_sum_1h"]!.Value));

        await entity.AddEventsAsync(definition.Revision, [Event(fixture.Time.GetUtcNow(), ("amount", 1.0))], default);
        var moved = new GrainState<FeatureEntityState>(FeatureEntityState.Empty);
        await services.GetRequiredKeyedService<IGrainStorage>(StorageNames.FeatureEntities).ReadStateAsync("featureentity", entity.GetGrainId(), moved);
        Assert.Equal("1", moved.ETag);
        Assert.True(moved.State!.Events.IsEmpty);
        Assert.Equal([10.0, 5.0, 1.0], moved.State.ToLive().Events.Select(e => e.Values[0]));

        await fixture.Cluster.DeactivateAsync(entity);
        var reloaded = await entity.GetAsync(definition.Revision);
        Assert.Equal((7.5, 16.0, 3), (reloaded.Values["balance"].Value.Number, reloaded.Aggregates["tx_sum_1h"]!.Value, reloaded.Events));
    }

    [Fact]
    public async Task NumbersOutsideTheFloat32Range_AreRefusedAsValuesAndEvents_NamingTheValue_AndChangeNothing()
    {
        var (set, definition) = await DefineAsync();
        var entity = Entity(set, "c-huge");
        await entity.SetValuesAsync(definition.Revision, Values(("balance", 10.0)));

        var error = await Assert.ThrowsAsync<InvalidFeatureValuesException>(() => entity.SetValuesAsync(definition.Revision, Values(("balance", 1e308))));
        Assert.Contains("'balance' must be a finite number within the float32 range", error.Message, StringComparison.Ordinal);
        Assert.Contains("1E+308", error.Message, StringComparison.Ordinal);
        Assert.Equal(10.0, (await entity.GetAsync(definition.Revision)).Values["balance"].Value.Number);

        var now = fixture.Time.GetUtcNow();
        var result = await entity.AddEventsAsync(definition.Revision,
            [Event(now, ("amount", 1e308)), Event(now, ("amount", -1e39)), Event(now, ("amount", 2.5))], default);
        Assert.Equal((1, 2), (result.Accepted, result.Invalid));
        Assert.Equal([0, 1], result.Errors.Select(e => e.Index));
        Assert.Contains("'amount' must be a finite number within the float32 range", result.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("1E+308", result.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("-1E+39", result.Errors[1].Reason, StringComparison.Ordinal);
        Assert.Equal(2.5, (await entity.GetAsync(definition.Revision)).Aggregates["tx_sum_1h"]);

        var defined = await Assert.ThrowsAsync<InvalidFeatureSetException>(() => Grains.GetGrain<IFeatureSetGrain>(set).DefineAsync(
            new FeatureSetSpec("customer_id", TimeSpan.FromHours(1), [new("balance", ColumnKind.Numeric, 1e300)], [])));
        Assert.Contains("the default of 'balance' must be a finite number within the float32 range", defined.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAggregateBeyondTheFloat32Range_ReadsNull_WhileTheOthersStayFinite()
    {
        var (set, definition) = await DefineAsync(aggregates:
        [
            new("tx_sum_1h", AggregateOp.Sum, "amount", TimeSpan.FromHours(1)),
            new("tx_mean_1h", AggregateOp.Mean, "amount", TimeSpan.FromHours(1)),
            new("tx_max_1h", AggregateOp.Max, "amount", TimeSpan.FromHours(1)),
        ]);
        var entity = Entity(set, "c-sum");
        var now = fixture.Time.GetUtcNow();
        var result = await entity.AddEventsAsync(definition.Revision, [Event(now, ("amount", 3e38)), Event(now, ("amount", 3e38))], default);
        Assert.Equal(2, result.Accepted);

        var read = await entity.GetAsync(definition.Revision);
        Assert.Null(read.Aggregates["tx_sum_1h"]);
        Assert.Equal(3e38, read.Aggregates["tx_mean_1h"]);
        Assert.Equal(3e38, read.Aggregates["tx_max_1h"]);

        // Events stored before values were range-checked cannot make an aggregate infinite either.
        var legacyEntity = Entity(set, "c-legacy-huge");
        var services = fixture.Cluster.Silos[0].SiloHost.Services;
        var at = now.AddMinutes(-5);
        await services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Grains).WriteStateAsync("featureentity", legacyEntity.GetGrainId(),
            new GrainState<FeatureEntityState>(new FeatureEntityState(
                ImmutableDictionary<string, StoredFeatureValue>.Empty.Add("balance", new StoredFeatureValue(1e308, at)),
                ["amount"],
                [new StoredEvent(at.UtcTicks, [1e308]), new StoredEvent(at.UtcTicks, [1e308])])));
        var legacy = await legacyEntity.GetAsync(definition.Revision);
        Assert.All(legacy.Aggregates.Values, v => Assert.Null(v));
        Assert.False(legacy.Values.ContainsKey("balance"));
    }

    /// <summary>Recomputes every aggregate from the accepted events, independently of the store's code.</summary>
    private static void AssertMatchesRecount(List<AggregateSpec> aggregates, List<(DateTimeOffset At, double? Amount)> events, DateTimeOffset now, FeatureVector vector)
    {
        foreach (var aggregate in aggregates)
        {
            var inWindow = events.Where(e => e.At > now - aggregate.Window).ToList();
            var amounts = inWindow.Where(e => e.Amount.HasValue).Select(e => e.Amount!.Value).ToList();
            double? expected = aggregate.Op switch
            {
                AggregateOp.Count => aggregate.Column is null ? inWindow.Count : amounts.Count,
                AggregateOp.Sum => amounts.Sum(),
                AggregateOp.Mean => amounts.Count == 0 ? null : amounts.Average(),
                AggregateOp.Min => amounts.Count == 0 ? null : amounts.Min(),
                _ => amounts.Count == 0 ? null : amounts.Max(),
            };
            var actual = vector.Aggregates[aggregate.Name];
            Assert.True(expected is null ? actual is null : actual is { } a && Math.Abs(a - expected.Value) <= 1e-9 * Math.Max(1, Math.Abs(expected.Value)),
                $"{vector.Key} {aggregate.Name} at {now:O}: expected {expected}, got {actual}");
        }
    }

    private async Task<(string Set, FeatureSetDefinition Definition)> DefineAsync(TimeSpan? ttl = null, ImmutableArray<AggregateSpec>? aggregates = null)
    {
        var set = TestData.Name("fs");
        var definition = await Grains.GetGrain<IFeatureSetGrain>(set).DefineAsync(new FeatureSetSpec(
            "customer_id",
            ttl ?? TimeSpan.FromHours(1),
            [new("balance"), new("segment", ColumnKind.Categorical), new("vip", ColumnKind.Boolean, false)],
            aggregates ?? [new("tx_count_1h", AggregateOp.Count, "amount", TimeSpan.FromHours(1)), new("tx_sum_1h", AggregateOp.Sum, "amount", TimeSpan.FromHours(1))]));
        return (set, definition);
    }

    private IFeatureEntityGrain Entity(string set, string key) => Grains.GetGrain<IFeatureEntityGrain>(FeatureKeys.EntityGrainKey(set, key));

    private static ImmutableDictionary<string, FeatureValue> Values(params (string Name, FeatureValue Value)[] values) =>
        values.ToImmutableDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);

    private static FeatureEvent Event(DateTimeOffset at, params (string Name, FeatureValue Value)[] values) => new(at, Values(values));
}
