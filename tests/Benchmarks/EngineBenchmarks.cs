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
        foreach (var (algorithm, trees) in new[] { (TrainingAlgorithm.FastTree, 100.0), (TrainingAlgorithm.LightGbm, 100.0) })
        {
            var spec = new TrainingSpec("bench", 1, new string('0', 64), "target", ModelTask.Auto, algorithm, [],
                ImmutableDictionary<string, double>.Empty.Add("trees", trees), 0.2, 42);
            var model = trainer.Train(frame, spec, null, CancellationToken.None);
            var predictor = LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature).CreatePredictor();
            var rows = Enumerable.Range(0, 1000)
                .Select(r => frame.Columns.Where(c => c.Name != "target").ToImmutableDictionary(c => c.Name, c => (FeatureValue)c.Numbers![r]))
                .ToArray();

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
}
