using System.Diagnostics;
using System.Text;
using OrleansMl.Ml;
using Xunit.Abstractions;

namespace OrleansMl.Tests.Ml;

/// <summary>The engine's performance budgets, measured on this machine and asserted.</summary>
[Trait("Category", "Benchmark")]
public class MlBudgetTests(ITestOutputHelper output)
{
    [BenchmarkFact]
    public void CsvReader_ParsesAtLeastHalfAMillionRowsPerSecond_With20NumericColumns()
    {
        const int rows = 500_000;
        var bytes = Encoding.UTF8.GetBytes(SyntheticData.ToCsv(SyntheticData.ClassificationFrame(rows, features: 19)));
        CsvFrameReader.Read(new MemoryStream(bytes, 0, Array.IndexOf(bytes, (byte)'\n', bytes.Length / 20) + 1), new CsvReadOptions());

        var best = double.MaxValue;
        for (var run = 0; run < 3; run++)
        {
            var watch = Stopwatch.StartNew();
            var frame = CsvFrameReader.Read(new MemoryStream(bytes), new CsvReadOptions());
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
            Assert.Equal(rows, frame.RowCount);
            Assert.Equal(20, frame.Columns.Length);
            Assert.All(frame.Columns, c => Assert.Equal(ColumnKind.Numeric, c.Kind));
        }

        var rate = rows / best;
        output.WriteLine($"CSV: {rows} rows x 20 numeric columns ({bytes.Length / 1e6:F0} MB) in {best:F3} s = {rate / 1e6:F2} M rows/s");
        Assert.True(rate >= 500_000, $"{rate:F0} rows/s");
    }

    [BenchmarkFact]
    public void Predict_CostsAFewMicroseconds_ForA20FeatureTreeModel()
    {
        var frame = SyntheticData.ClassificationFrame(20_000);
        var trainer = new ModelTrainer(new TrainerOptions());
        foreach (var (algorithm, parameters) in new[]
        {
            (TrainingAlgorithm.FastTree, MlTestData.Parameters()),
            (TrainingAlgorithm.LightGbm, MlTestData.Parameters(("trees", 100))),
        })
        {
            var model = trainer.Train(frame, MlTestData.Spec("target", algorithm: algorithm, parameters: parameters), null, CancellationToken.None);
            var predictor = LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature).CreatePredictor();
            var rows = Enumerable.Range(0, 1000).Select(r => MlTestData.Row(frame, r, "target")).ToArray();

            // Past the tiered JIT's warm-up, as a predictor serving traffic is.
            var warm = Stopwatch.StartNew();
            for (var i = 0; warm.Elapsed < TimeSpan.FromSeconds(1); i++)
            {
                predictor.Predict(rows[i % rows.Length]);
            }

            var micros = new double[50_000];
            for (var i = 0; i < micros.Length; i++)
            {
                var start = Stopwatch.GetTimestamp();
                predictor.Predict(rows[i % rows.Length]);
                micros[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }

            Array.Sort(micros);
            var p50 = micros[micros.Length / 2];
            output.WriteLine($"Predict {model.Algorithm}: p50 {p50:F2} us, p90 {micros[micros.Length * 9 / 10]:F2} us, p99 {micros[micros.Length * 99 / 100]:F2} us");
            Assert.True(p50 < 10, $"p50 {p50:F2} us");
        }
    }

    [BenchmarkFact]
    public void AutoTraining_Of200kRowsBy20Features_TakesAFewSecondsAndBeatsARandomForestsAccuracy()
    {
        var frame = SyntheticData.ClassificationFrame(200_000);
        var trainer = new ModelTrainer(new TrainerOptions());
        var spec = MlTestData.Spec("target", parameters: MlTestData.Parameters());

        // The first training in a process also pays for compiling ML.NET; a silo pays that once.
        for (var run = 0; run < 2; run++)
        {
            var watch = Stopwatch.StartNew();
            var model = trainer.Train(frame, spec, null, CancellationToken.None);
            var seconds = watch.Elapsed.TotalSeconds;
            output.WriteLine(
                $"Auto 200k x 20 ({(run == 0 ? "cold" : "warm")}): {seconds:F2} s in all (fit {model.TrainingMs / 1000:F2} s, "
                + $"evaluate {model.EvaluationMs / 1000:F2} s), accuracy {model.Metrics["accuracy"]:F4}, auc {model.Metrics["auc"]:F4}, {model.Algorithm}");
            Assert.True(model.Metrics["accuracy"] >= 0.931, $"accuracy {model.Metrics["accuracy"]:F4}");
            if (run == 1)
            {
                Assert.True(seconds <= 4.5, $"{seconds:F2} s");
            }
        }
    }
}
