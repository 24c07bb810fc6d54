using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using OrleansMl.Ml;

namespace OrleansMl.Benchmarks;

/// <summary>The ML engine alone, without Orleans: CSV parsing rate and the cost of one prediction.</summary>
public static class EngineBenchmarks
{
    public static void Run(string csv, int threads)
    {
        var bytes = Encoding.UTF8.GetBytes(csv);
        DatasetFrame frame = null!;
        var best = double.MaxValue;
        for (var run = 0; run < 3; run++)
        {
            var watch = Stopwatch.StartNew();
            frame = CsvFrameReader.Read(new MemoryStream(bytes), new CsvReadOptions());
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        Console.WriteLine($"engine: CSV parse {frame.RowCount:N0} rows x {frame.Columns.Length} columns in {best * 1000:F0} ms = {frame.RowCount / best / 1e6:F2} M rows/s");

        var trainer = new ModelTrainer(new TrainerOptions { Threads = threads });
        foreach (var (algorithm, leaves) in new[] { (TrainingAlgorithm.FastTree, 20.0), (TrainingAlgorithm.LightGbm, 31.0), (TrainingAlgorithm.LightGbm, 178.0) })
        {
            var spec = new TrainingSpec("bench", 1, new string('0', 64), "target", ModelTask.Auto, algorithm, [],
                ImmutableDictionary<string, double>.Empty.Add("trees", 100).Add("leaves", leaves), 0.2, 42);
            var model = trainer.Train(frame, spec, null, CancellationToken.None);
            var predictor = LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature).CreatePredictor();
            var rows = Enumerable.Range(0, 1000)
                .Select(r => frame.Columns.Where(c => c.Name != "target").ToImmutableDictionary(c => c.Name, c => (FeatureValue)c.Numbers![r]))
                .ToArray();
            BatchOf1000(model.Algorithm, predictor, rows);

            var warm = Stopwatch.StartNew();
            for (var i = 0; warm.Elapsed < TimeSpan.FromSeconds(1); i++)
            {
                predictor.Predict(rows[i % rows.Length]); // past the tiered JIT's warm-up, as a serving predictor is
            }

            var micros = new double[50_000];
            for (var i = 0; i < micros.Length; i++)
            {
                var start = Stopwatch.GetTimestamp();
                predictor.Predict(rows[i % rows.Length]);
                micros[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }

            Array.Sort(micros);
            Console.WriteLine($"engine: predict one row, {model.Algorithm}: p50 {micros[micros.Length / 2]:F2} us, p99 {micros[micros.Length * 99 / 100]:F2} us");
        }
    }

    /// <summary>
    /// 1,000 rows in one call, as a grain receives them (a dictionary per row): batches of tree ensembles are scored by the
    /// flattened trees. Reported next to the same rows one by one through ML.NET's row mapper.
    /// </summary>
    private static void BatchOf1000(string algorithm, ModelPredictor predictor, ImmutableDictionary<string, FeatureValue>[] rows)
    {
        IReadOnlyList<IReadOnlyDictionary<string, FeatureValue>> batch = rows;
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(1))
        {
            predictor.Predict(batch);
        }

        var millis = new double[300];
        for (var i = 0; i < millis.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            predictor.Predict(batch);
            millis[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        // The same rows as one columnar batch (what the gateway sends), and the prediction ids a grain signs for them.
        var columnar = PredictionBatch.FromRows(batch);
        var columnarMillis = Time(() => predictor.Predict(columnar));
        var ids = new OrleansMl.Health.PredictionIds(new byte[32]);
        var idMillis = Time(() =>
        {
            for (var r = 0; r < 1000; r++)
            {
                ids.Create("bench", 1, 1_700_000_000_000, regression: false, r & 1, 0.25);
            }
        });
        var batchIdMillis = Time(() => ids.CreateMany("bench", 1, 1_700_000_000_000, regression: false, 1000, default(Labels)));

        var one = Stopwatch.StartNew();
        foreach (var row in rows)
        {
            predictor.Predict(row);
        }

        var oneByOne = one.Elapsed.TotalMilliseconds;
        Array.Sort(millis);
        var p50 = millis[millis.Length / 2];
        Console.WriteLine($"engine: predict 1,000 rows in one call, {algorithm}: p50 {p50:F3} ms ({1000 / p50 / 1000:F2} M rows/s), "
            + $"p99 {millis[millis.Length * 99 / 100]:F3} ms; one by one {oneByOne:F2} ms; as one columnar batch p50 {columnarMillis:F3} ms; "
            + $"1,000 prediction ids p50 {idMillis:F3} ms one by one, {batchIdMillis:F3} ms as a batch");
    }

    private readonly struct Labels : OrleansMl.Health.IPredictedRows
    {
        public double Predicted(int row) => row & 1;

        public double Probability(int row) => 0.25;
    }

    /// <summary>The median of 300 timed runs after a second of warm-up, in milliseconds.</summary>
    private static double Time(Action run)
    {
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(1))
        {
            run();
        }

        var millis = new double[300];
        for (var i = 0; i < millis.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            run();
            millis[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(millis);
        return millis[millis.Length / 2];
    }
}
