using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OrleansMl.Health;
using OrleansMl.Ml;
using OrleansMl.Storage;
using OrleansMl.Tests.Ml;

namespace OrleansMl.Benchmarks;

/// <summary>
/// A 1,000-row columnar batch of one tree ensemble (LightGBM, 100 trees, 178 leaves by default), measured through a
/// direct grain call and, side by side in the same run, the parts of that call on their own: the engine scoring the
/// batch, the prediction ids signed for it, and what the grain adds around them.
/// </summary>
public static class BatchBenchmark
{
    public static async Task RunAsync(IServiceProvider services, int trees, int leaves, int trainingRows, TimeSpan duration, int repeats)
    {
        var grains = services.GetRequiredService<IGrainFactory>();
        var frame = SyntheticData.ClassificationFrame(trainingRows);
        await grains.UploadDatasetAsync("batch", SyntheticData.ToCsv(frame));
        var model = grains.GetGrain<IModelGrain>("batch");
        var parameters = ImmutableDictionary<string, double>.Empty.Add("trees", trees).Add("leaves", leaves);
        var queued = await model.TrainAsync(new TrainingRequest("batch", null, "target", Algorithm: TrainingAlgorithm.LightGbm, Parameters: parameters));
        ModelVersionInfo info;
        while (!(info = await model.GetVersionAsync(queued.Version)).Status.IsTerminal())
        {
            await Task.Delay(100);
        }

        if (info.Status != TrainingStatus.Succeeded)
        {
            throw new InvalidOperationException($"training failed: {info.Error}");
        }

        // The same model the grain serves, loaded here from its artifact.
        var version = await grains.GetModelVersion("batch", info.Version).GetAsync();
        var buffer = new MemoryStream();
        await using (var stream = await services.GetRequiredService<IArtifactStore>().OpenReadAsync(version.ArtifactHash!))
        {
            await stream.CopyToAsync(buffer);
        }

        buffer.Position = 0;
        var loaded = LoadedModel.Load(buffer, version.Signature!);
        var predictor = loaded.CreatePredictor();
        var leafCount = loaded.Trees is null ? "no flattened trees: " + loaded.TreesUnavailable : $"{trees} trees";
        Console.WriteLine($"batch: LightGBM {leafCount}, up to {leaves} leaves, trained on {trainingRows:N0} rows; {Environment.ProcessorCount} cores");

        var random = new Random(7);
        var rows = Enumerable.Range(0, 1000)
            .Select(_ => (IReadOnlyDictionary<string, FeatureValue>)Enumerable.Range(0, 20).ToImmutableDictionary(i => $"f{i}", _ => (FeatureValue)(random.NextDouble() * 4 - 2)))
            .ToList();
        var batch = PredictionBatch.FromRows(rows, version: info.Version);
        var ids = services.GetRequiredService<PredictionIds>();
        var grain = grains.GetGrain<IPredictorGrain>("batch");

        for (var round = 1; round <= repeats; round++)
        {
            var engine = Time(() => predictor.Predict(batch), duration);
            var scored = predictor.Predict(batch);
            var signing = Time(() => ids.CreateMany("batch", 1, 1_700_000_000_000, regression: false, scored.Count, new Rows(scored)), duration);
            var call = await Latency.MeasureResultAsync("grain call, 1000-row columnar batch, 1 caller", 1, duration, () => grain.PredictBatchAsync(batch));
            Console.WriteLine($"round {round}: engine {engine:F3} ms, ids {signing:F3} ms, grain call p50 {call.P50:F3} ms p99 {call.P99:F3} ms "
                + $"({1000 / call.P50 / 1000:F2} M rows/s; the call adds {call.P50 - engine:F3} ms to the engine)");
        }
    }

    private readonly struct Rows(ScoredRows scored) : IPredictedRows
    {
        public double Predicted(int row) => scored.Labels[row];

        public double Probability(int row) => scored.Probabilities[(2 * row) + 1];
    }

    /// <summary>The median of timed runs after a warm-up, in milliseconds.</summary>
    private static double Time(Action run, TimeSpan duration)
    {
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(1))
        {
            run();
        }

        var millis = new List<double>();
        var stop = Stopwatch.StartNew();
        while (stop.Elapsed < duration)
        {
            var start = Stopwatch.GetTimestamp();
            run();
            millis.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        millis.Sort();
        return millis[millis.Count / 2];
    }
}
