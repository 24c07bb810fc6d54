using System.Collections.Immutable;
using System.Diagnostics;
using OrleansMl;

namespace OrleansMl.Benchmarks;

/// <summary>
/// Event ingestion into the feature store on one silo: batches split into one grain call per key (what
/// <c>POST /api/features/{set}/events</c> does), side by side with one grain call per event. Every acknowledged call
/// has written its entity's state to the grain storage (SQLite), as in production.
/// </summary>
public static class FeatureBenchmark
{
    public static async Task RunAsync(IGrainFactory grains, TimeSpan duration, int keys, int batchSize, int concurrency)
    {
        var set = $"bench-{Guid.NewGuid():N}"[..20];
        var definition = await grains.GetGrain<IFeatureSetGrain>(set).DefineAsync(new FeatureSetSpec(
            "customer_id",
            TimeSpan.FromHours(1),
            [],
            [
                new("tx_count_1h", AggregateOp.Count, "amount", TimeSpan.FromHours(1)),
                new("tx_sum_1h", AggregateOp.Sum, "amount", TimeSpan.FromHours(1)),
                new("tx_max_10m", AggregateOp.Max, "amount", TimeSpan.FromMinutes(10)),
            ]));
        Console.WriteLine($"feature events: {keys:N0} keys, batches of {batchSize:N0} events, {concurrency} batches in flight, {duration.TotalSeconds:F0} s");

        var random = new Random(11);
        var batches = Enumerable.Range(0, 8).Select(_ => Batch(random, keys, batchSize)).ToArray();
        async Task<int> SendAsync(ImmutableArray<(string Key, FeatureEvent Event)> batch)
        {
            var results = await Task.WhenAll(batch.GroupBy(e => e.Key).Select(g =>
                grains.GetGrain<IFeatureEntityGrain>(FeatureKeys.EntityGrainKey(set, g.Key))
                    .AddEventsAsync(definition.Revision, [.. g.Select(e => e.Event)], default)));
            return results.Sum(r => r.Accepted);
        }

        for (var i = 0; i < 3; i++)
        {
            await SendAsync(batches[i]); // warm the path and activate the entities
        }

        var (events, latencies, elapsed) = await LoopAsync(duration, concurrency, i => SendAsync(batches[i % batches.Length]));
        Console.WriteLine($"{"batched, one call per key",-44} {events / elapsed.TotalSeconds,12:N0} events/s  batch p50={P(latencies, 0.5),8:F1} ms  p99={P(latencies, 0.99),8:F1} ms");

        var single = batches[0];
        var (perEvent, perEventLatencies, perEventElapsed) = await LoopAsync(duration / 2, 16, async i =>
        {
            var (key, e) = single[i % single.Length];
            return (await grains.GetGrain<IFeatureEntityGrain>(FeatureKeys.EntityGrainKey(set, key))
                .AddEventsAsync(definition.Revision, [e], default)).Accepted;
        });
        Console.WriteLine($"{"one call per event, 16 callers",-44} {perEvent / perEventElapsed.TotalSeconds,12:N0} events/s  call p50={P(perEventLatencies, 0.5),8:F2} ms  p99={P(perEventLatencies, 0.99),8:F2} ms");

        var vector = await grains.GetGrain<IFeatureEntityGrain>(FeatureKeys.EntityGrainKey(set, "c-0")).GetAsync(definition.Revision);
        Console.WriteLine($"key c-0 after the run: {vector.Events} in-window events, tx_count_1h={vector.Aggregates["tx_count_1h"]}");
    }

    private static ImmutableArray<(string Key, FeatureEvent Event)> Batch(Random random, int keys, int size)
    {
        var now = DateTimeOffset.UtcNow;
        return [.. Enumerable.Range(0, size).Select(_ => ($"c-{random.Next(keys)}", new FeatureEvent(
            now - TimeSpan.FromSeconds(random.Next(0, 1800)),
            ImmutableDictionary<string, FeatureValue>.Empty.Add("amount", Math.Round(random.NextDouble() * 500, 2)))))];
    }

    private static async Task<(long Events, double[] Latencies, TimeSpan Elapsed)> LoopAsync(TimeSpan duration, int workers, Func<int, Task<int>> call)
    {
        long events = 0;
        var next = -1;
        var samples = new List<double>[workers];
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            var mine = samples[w] = [];
            while (stop.Elapsed < duration)
            {
                var t = Stopwatch.GetTimestamp();
                Interlocked.Add(ref events, await call(Interlocked.Increment(ref next)));
                mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }));
        return (events, [.. samples.SelectMany(s => s).Order()], stop.Elapsed);
    }

    private static double P(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
}
