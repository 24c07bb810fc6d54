using System.Collections.Immutable;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OrleansMl.Predictions;
using OrleansMl.Tests.Ml;

namespace OrleansMl.Benchmarks;

/// <summary>
/// Many registered models on one silo, traffic on a few of them: what a registered model costs in memory, what a
/// loaded one costs, how long loading takes, and how fast a model that was never loaded on the silo answers its first
/// prediction. Every model is a real trained tree ensemble of its own (same data, different seeds of the trees).
/// </summary>
public static class ManyModelsBenchmark
{
    /// <summary>Registers <paramref name="models"/> trained models (run on one silo, which is then stopped).</summary>
    public static async Task TrainAsync(IGrainFactory grains, int models, int trees)
    {
        Console.WriteLine($"many models: training {models:N0} models ({trees} trees of 16 leaves, 20 features, 2,000 rows)");
        var csv = SyntheticData.ToCsv(SyntheticData.ClassificationFrame(2_000));
        await grains.UploadDatasetAsync("many", csv);
        var training = Stopwatch.StartNew();
        var names = Names(models);
        var parameters = ImmutableDictionary<string, double>.Empty.Add("trees", trees).Add("leaves", 16);
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (name, cancellationToken) =>
        {
            var model = grains.GetGrain<IModelGrain>(name);
            var queued = await model.TrainAsync(new TrainingRequest("many", null, "target", Algorithm: TrainingAlgorithm.FastTree, Parameters: parameters), cancellationToken);
            while (!(await model.GetVersionAsync(queued.Version)).Status.IsTerminal())
            {
                await Task.Delay(50, cancellationToken);
            }
        });
        Console.WriteLine($"trained {models:N0} models in {training.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>On a fresh silo over the same data: the models' registries activated, then cold and hot predictions.</summary>
    public static async Task ServeAsync(IServiceProvider services, int models, int hot, int cold, TimeSpan duration)
    {
        var grains = services.GetRequiredService<IGrainFactory>();
        var cache = services.GetRequiredService<ModelCache>();
        var names = Names(models);
        var (baseline, baselineHeap) = Settled();
        var activation = Stopwatch.StartNew();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (name, _) =>
            await grains.GetGrain<IModelGrain>(name).GetVersionAsync(1));
        var (registered, registeredHeap) = Settled();
        Console.WriteLine($"{models:N0} models activated on a fresh silo in {activation.Elapsed.TotalSeconds:F1} s; RSS +{(registered - baseline) / 1e6:F0} MB, "
            + $"managed heap +{(registeredHeap - baselineHeap) / 1e6:F1} MB = {(registeredHeap - baselineHeap) / (double)models / 1e3:F1} kB per registered model "
            + "(registry and version grain, model not loaded)");

        var row = new PredictionRequest([Enumerable.Range(0, 20).ToImmutableDictionary(i => $"f{i}", i => (FeatureValue)(0.1 * i))], Version: 1);

        // What loading costs on its own (artifact read, deserialized, trees flattened and checked), as the silo records it.
        var loads = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "orleansml.model.load.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, seconds, _, _) =>
        {
            lock (loads)
            {
                loads.Add(seconds * 1000);
            }
        });
        listener.Start();

        // Cold: the first prediction of a model on this silo loads it (artifact read, deserialized, predictor built).
        // The first of all also pays for the code's first run; it is reported apart.
        var firsts = new List<double>();
        for (var i = models - cold - 1; i < models; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await grains.GetGrain<IPredictorGrain>(names[i]).PredictAsync(row);
            firsts.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        listener.Dispose();
        var veryFirst = firsts[0];
        firsts.RemoveAt(0);
        firsts.Sort();
        Console.WriteLine($"cold first prediction ({cold} models, one at a time): p50={P(firsts, 0.5):F1} ms  p99={P(firsts, 0.99):F1} ms  max={firsts[^1]:F1} ms "
            + $"(the silo's very first prediction: {veryFirst:F1} ms)");
        var loadTimes = loads.Skip(1).Order().ToList();
        if (loadTimes.Count > 0)
        {
            Console.WriteLine($"model load alone (read, deserialize, flatten and check the trees), {loadTimes.Count} loads: "
                + $"p50={P(loadTimes, 0.5):F1} ms  p99={P(loadTimes, 0.99):F1} ms");
        }

        // Hot: round robin over the first `hot` models, 16 callers.
        var next = 0;
        Console.WriteLine(await Latency.MeasureAsync($"grain call, 1 row, 16 callers, round robin over {hot} models", 16, duration,
            () => grains.GetGrain<IPredictorGrain>(names[Interlocked.Increment(ref next) % hot]).PredictAsync(row)));
        var (loaded, loadedHeap) = Settled();
        Console.WriteLine($"with {hot + cold + 1} models loaded: RSS +{(loaded - registered) / 1e6:F0} MB, managed heap +{(loadedHeap - registeredHeap) / 1e6:F1} MB over registered "
            + $"= {(loaded - registered) / (double)(hot + cold + 1) / 1e3:F0} kB RSS, {(loadedHeap - registeredHeap) / (double)(hot + cold + 1) / 1e3:F0} kB managed per loaded model "
            + $"(predictor replicas included); model cache {cache.Count} models, {cache.Bytes / 1e6:F1} MB of model files (bound {cache.Capacity / 1e6:F0} MB); "
            + $"process RSS {loaded / 1e6:F0} MB");
    }

    private static string[] Names(int models) => [.. Enumerable.Range(0, models).Select(i => $"m{i:D4}")];

    private static double P(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];

    /// <summary>The process's resident set (RSS) and the managed heap after full collections.</summary>
    private static (long Rss, long Heap) Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        return (process.WorkingSet64, heap);
    }
}
