using System.Globalization;
using System.Text;
using OrleansMl.Ml;
using Xunit.Abstractions;

namespace OrleansMl.Tests.Ml;

/// <summary>Linear discriminant analysis (<c>lda</c>): fitted in closed form, served as ML.NET's maximum-entropy model.</summary>
public sealed class DiscriminantAnalysisTests(ITestOutputHelper output)
{
    private static readonly ModelTrainer Trainer = new(new TrainerOptions());

    private static readonly (double X, double Y)[] Means = [(0, 0), (2, 1), (0, 3)];

    /// <summary>
    /// On many rows of three Gaussian classes with one shared covariance, the served probabilities are the textbook
    /// posterior computed here from the same rows: class means, the pooled covariance (divided by rows less classes) and
    /// the classes' shares. With 3,000 rows of two features the covariance needs almost no shrinkage, so the two agree
    /// to within 0.005; a model that ignored the covariance (nearest mean) or the shares would not.
    /// </summary>
    [Fact]
    public void Lda_OnWellSampledGaussianClasses_ServesTheTextbookPosterior()
    {
        var (csv, rows) = GaussianClasses(1000, 500, 1500);
        var frame = MlTestData.Frame(csv);
        var model = Trainer.Train(frame, MlTestData.Spec("label", algorithm: TrainingAlgorithm.Lda, testFraction: 0), null, CancellationToken.None);
        var predictor = LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature).CreatePredictor();

        Assert.Equal("lda(shrinkage=ledoit-wolf)", model.Algorithm);
        Assert.Equal(ModelTask.Multiclass, model.Signature.Task);
        var posterior = Posterior(rows);
        foreach (var (x, y) in new[] { (0.0, 0.0), (1.0, 0.5), (1.2, 1.6), (-1.0, 2.5), (2.5, 3.0), (0.8, 2.0) })
        {
            var prediction = predictor.Predict(new Dictionary<string, FeatureValue> { ["x"] = x, ["y"] = y });
            var expected = posterior(x, y);
            output.WriteLine($"({x}, {y}): {string.Join(", ", prediction.Probabilities!.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value:F4}"))}; textbook {string.Join(", ", expected.Select(p => p.ToString("F4", CultureInfo.InvariantCulture)))}");
            for (var k = 0; k < Means.Length; k++)
            {
                Assert.Equal(expected[k], prediction.Probabilities![$"c{k}"], 0.005);
            }

            Assert.Equal($"c{Array.IndexOf(expected, expected.Max())}", prediction.Label!.Value.Text);
        }
    }

    /// <summary>
    /// Two classes are a binary model: the served probability of the second class is the textbook posterior of the same
    /// rows (the sigmoid of the difference of the two discriminants), its label the likelier class, and its held-out
    /// metrics those of a binary model. A calibrator fixed at the wrong sign, or the discriminants subtracted the wrong
    /// way round, would serve one minus the posterior.
    /// </summary>
    [Fact]
    public void Lda_OnTwoGaussianClasses_ServesTheTextbookPosterior_AsABinaryModel()
    {
        var (csv, rows) = GaussianClasses(1000, 1500);
        var model = Trainer.Train(MlTestData.Frame(csv), MlTestData.Spec("label", algorithm: TrainingAlgorithm.Lda, testFraction: 0), null, CancellationToken.None);
        var predictor = LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature).CreatePredictor();

        Assert.Equal("lda(shrinkage=ledoit-wolf)", model.Algorithm);
        Assert.Equal(ModelTask.Binary, model.Signature.Task);
        var posterior = Posterior(rows);
        foreach (var (x, y) in new[] { (0.0, 0.0), (1.0, 0.5), (1.2, 1.6), (2.5, 1.0), (3.0, 2.0), (-1.0, 1.0) })
        {
            var prediction = predictor.Predict(new Dictionary<string, FeatureValue> { ["x"] = x, ["y"] = y });
            var expected = posterior(x, y);
            output.WriteLine($"({x}, {y}): {string.Join(", ", prediction.Probabilities!.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value:F4}"))}; textbook c1 {expected[1]:F4}");
            Assert.Equal(expected[1], prediction.Probabilities!["c1"], 0.005);
            Assert.Equal(expected[0], prediction.Probabilities!["c0"], 0.005);
            Assert.Equal(expected[1] > 0.5 ? "c1" : "c0", prediction.Label!.Value.Text);
        }

        var held = Trainer.Train(MlTestData.Frame(csv), MlTestData.Spec("label", algorithm: TrainingAlgorithm.Lda), null, CancellationToken.None);
        output.WriteLine($"held out: auc {held.Metrics["auc"]:F4}, accuracy {held.Metrics["accuracy"]:F4}, log-loss {held.Metrics["logLoss"]:F4}");
        Assert.True(held.Metrics["auc"] > 0.85, $"auc {held.Metrics["auc"]:F4}");
        Assert.True(held.Metrics["logLoss"] < 0.6, $"log-loss {held.Metrics["logLoss"]:F4}");
    }

    /// <summary>On iris, the classes it was made for, it classifies the held-out rows as well as any learner does.</summary>
    [Fact]
    public void Lda_OnIris_ClassifiesTheHeldOutRows()
    {
        var model = Trainer.Train(MlTestData.Public("iris"), MlTestData.Spec("target", algorithm: TrainingAlgorithm.Lda), null, CancellationToken.None);

        output.WriteLine($"accuracy {model.Metrics["microAccuracy"]:F4}, log-loss {model.Metrics["logLoss"]:F4}");
        Assert.True(model.Metrics["microAccuracy"] >= 0.95, $"accuracy {model.Metrics["microAccuracy"]:F4}");
        Assert.True(model.Metrics["logLoss"] < 0.2, $"log-loss {model.Metrics["logLoss"]:F4}");
    }

    /// <summary>
    /// Collinear numbers (one column the sum of two others) and a constant column leave the pooled covariance singular;
    /// the shrinkage keeps it invertible, and the model still learns.
    /// </summary>
    [Fact]
    public void Lda_OnCollinearAndConstantColumns_StillLearns()
    {
        var random = new Random(5);
        var csv = new StringBuilder("a,b,sum,constant,label\n");
        for (var i = 0; i < 300; i++)
        {
            var k = i % 3;
            var a = k + (0.5 * Normal(random));
            var b = (2 * k) + (0.5 * Normal(random));
            csv.Append(CultureInfo.InvariantCulture, $"{a:R},{b:R},{a + b:R},7,c{k}\n");
        }

        var model = Trainer.Train(MlTestData.Frame(csv.ToString()), MlTestData.Spec("label", algorithm: TrainingAlgorithm.Lda), null, CancellationToken.None);

        Assert.True(model.Metrics["microAccuracy"] > 0.8, $"accuracy {model.Metrics["microAccuracy"]:F4}");
    }

    /// <summary>
    /// Features that never vary within a class leave nothing to estimate a covariance from: one that alone separates
    /// the classes is learned from, and features that never vary at all leave the classes' shares.
    /// </summary>
    [Fact]
    public void Lda_OnFeaturesThatNeverVaryWithinAClass_StillFits()
    {
        var separating = new StringBuilder("x,constant,label\n");
        var constant = new StringBuilder("x,constant,label\n");
        for (var i = 0; i < 60; i++)
        {
            separating.Append(CultureInfo.InvariantCulture, $"{i % 3},5,c{i % 3}\n");
            constant.Append(CultureInfo.InvariantCulture, $"1,5,c{(i % 6 < 3 ? 0 : i % 6 - 2)}\n");
        }

        var spec = MlTestData.Spec("label", algorithm: TrainingAlgorithm.Lda, testFraction: 0);
        var learned = Trainer.Train(MlTestData.Frame(separating.ToString()), spec, null, CancellationToken.None);
        var shares = Trainer.Train(MlTestData.Frame(constant.ToString()), spec, null, CancellationToken.None);

        var predictor = LoadedModel.Load(new MemoryStream(learned.ModelBytes), learned.Signature).CreatePredictor();
        Assert.Equal("c2", predictor.Predict(new Dictionary<string, FeatureValue> { ["x"] = 2, ["constant"] = 5 }).Label!.Value.Text);
        var probabilities = LoadedModel.Load(new MemoryStream(shares.ModelBytes), shares.Signature).CreatePredictor()
            .Predict(new Dictionary<string, FeatureValue> { ["x"] = 1, ["constant"] = 5 }).Probabilities!;
        Assert.Equal(0.5, probabilities["c0"], 3);
        Assert.Equal(1 / 6.0, probabilities["c1"], 3);
    }

    /// <summary>
    /// A fit over many rows stops when its token fires (a cancelled version, or the training's time limit), rather than
    /// run to the end: each row costs it twice the square of the features, so a large one can take minutes.
    /// </summary>
    [Fact]
    public void Lda_StopsWhenCancelled()
    {
        var random = new Random(3);
        var columns = Enumerable.Range(0, 60).Select(c => $"f{c}").ToList();
        var csv = new StringBuilder(string.Join(",", columns) + ",label\n");
        for (var i = 0; i < 40_000; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{string.Join(",", columns.Select(_ => Math.Round(Normal(random), 3)))},c{i % 3}\n");
        }

        var frame = MlTestData.Frame(csv.ToString());
        var spec = MlTestData.Spec("label", algorithm: TrainingAlgorithm.Lda, testFraction: 0);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var whole = Trainer.Train(frame, spec, null, CancellationToken.None);
        var full = watch.Elapsed;

        // Cancelled as the fit starts (the trainer reports the training stage just before it), which a timer cannot
        // promise: a warm fit takes a fraction of a cold one.
        using var cancel = new CancellationTokenSource();
        var stopped = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Train(frame, spec, new CancelOn("training", cancel, stopped), cancel.Token));
        output.WriteLine($"a whole fit {full.TotalMilliseconds:F0} ms ({whole.TrainingMs:F0} ms fitting); stopped {stopped.Elapsed.TotalMilliseconds:F0} ms after the cancel");
        Assert.True(stopped.Elapsed < full / 2, $"stopped {stopped.Elapsed.TotalMilliseconds:F0} ms after the cancel, of a {full.TotalMilliseconds:F0} ms fit");
    }

    /// <summary>A fit stopped by its time limit says what makes one shorter, for the learner it was.</summary>
    [Fact]
    public void TheTimeLimitMessage_NamesWhatShortensAnLdaFit()
    {
        Assert.EndsWith("Train with fewer features, fewer rows, or a larger timeBudgetSeconds.", TrainingLimits.TimeLimitReached(TimeSpan.FromSeconds(2), TrainingAlgorithm.Lda), StringComparison.Ordinal);
        Assert.EndsWith("Train with fewer trees or leaves, fewer rows, or a larger timeBudgetSeconds.", TrainingLimits.TimeLimitReached(TimeSpan.FromSeconds(2), TrainingAlgorithm.Auto), StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>auto</c> on numbers of three or more classes cross-validates discriminant analysis beside the other learners
    /// and prefers it on a tie the folds cannot resolve; on two classes, or on categories, it does not try it.
    /// </summary>
    [Fact]
    public void Auto_OnNumericClasses_TriesDiscriminantAnalysis_AndPrefersItWithinOneStandardError()
    {
        var iris = Trainer.Train(MlTestData.Public("iris"), MlTestData.Spec("target"), null, CancellationToken.None);
        var search = Assert.IsType<SearchResult>(iris.Search);
        foreach (var candidate in search.Candidates)
        {
            output.WriteLine($"{candidate.Algorithm}: {candidate.Score:F4}{(candidate.Chosen ? " chosen" : string.Empty)}");
        }

        var lda = Assert.Single(search.Candidates, c => c.Algorithm == "lda(shrinkage=ledoit-wolf)");
        var best = search.Candidates.MaxBy(c => c.Score)!;
        var scores = best.Scores.Select(v => v!.Value).ToArray();
        var error = Math.Sqrt(scores.Sum(v => (v - best.Score!.Value) * (v - best.Score!.Value)) / (scores.Length - 1) / scores.Length);
        Assert.Equal(lda.Score >= best.Score - error, lda.Chosen);
        Assert.Contains("choosing the first candidate in order of preference", search.Method, StringComparison.Ordinal);

        var twoClasses = Trainer.Train(MlTestData.Frame(MlTestData.BinaryCsv()), MlTestData.Spec("churned"), null, CancellationToken.None);
        Assert.DoesNotContain(twoClasses.Search!.Candidates, c => c.Algorithm.StartsWith("lda", StringComparison.Ordinal));
        var withCategory = Trainer.Train(MlTestData.Frame(MlTestData.MulticlassCsv()), MlTestData.Spec("species"), null, CancellationToken.None);
        Assert.DoesNotContain(withCategory.Search!.Candidates, c => c.Algorithm.StartsWith("lda", StringComparison.Ordinal));
    }

    /// <summary>The preference order puts discriminant analysis first and keeps the list's order for the rest.</summary>
    [Fact]
    public void Preference_PutsDiscriminantAnalysisFirst_ThenTheListsOrder()
    {
        var candidates = AutoSearch.CrossValidationCandidates(120, HyperParameters.None, discriminant: true);

        Assert.Equal(TrainingAlgorithm.Lda, candidates[^1].Algorithm);
        Assert.Equal([candidates.Count - 1, .. Enumerable.Range(0, candidates.Count - 1)], AutoSearch.Preference(candidates));
        Assert.Equal(AutoSearch.CrossValidationCandidates(120, HyperParameters.None), candidates.Take(candidates.Count - 1));
    }

    /// <summary>Cancels <paramref name="source"/> when the trainer reports <paramref name="stage"/>, on the trainer's thread.</summary>
    private sealed class CancelOn(string stage, CancellationTokenSource source, System.Diagnostics.Stopwatch watch) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Stage == stage && !source.IsCancellationRequested)
            {
                watch.Restart();
                source.Cancel();
            }
        }
    }

    /// <summary>Three classes of two Gaussian numbers sharing one covariance (correlation 0.6), as a CSV and as rows.</summary>
    private static (string Csv, List<(int Class, double X, double Y)> Rows) GaussianClasses(params int[] counts)
    {
        var random = new Random(11);
        var csv = new StringBuilder("x,y,label\n");
        var rows = new List<(int, double, double)>();
        for (var k = 0; k < counts.Length; k++)
        {
            for (var i = 0; i < counts[k]; i++)
            {
                var (u, v) = (Normal(random), Normal(random));
                var x = Means[k].X + u;
                var y = Means[k].Y + (0.6 * u) + (0.8 * v);
                // Rounded as the CSV writes them, so the rows here are the rows trained on.
                (x, y) = (Math.Round(x, 6), Math.Round(y, 6));
                csv.Append(CultureInfo.InvariantCulture, $"{x:R},{y:R},c{k}\n");
                rows.Add((k, x, y));
            }
        }

        return (csv.ToString(), rows);
    }

    /// <summary>The textbook posterior of linear discriminant analysis fitted to <paramref name="rows"/>, without shrinkage.</summary>
    private static Func<double, double, double[]> Posterior(List<(int Class, double X, double Y)> rows)
    {
        var classes = rows.Max(r => r.Class) + 1;
        var means = Enumerable.Range(0, classes)
            .Select(k => (X: rows.Where(r => r.Class == k).Average(r => r.X), Y: rows.Where(r => r.Class == k).Average(r => r.Y)))
            .ToArray();
        var shares = Enumerable.Range(0, classes).Select(k => rows.Count(r => r.Class == k) / (double)rows.Count).ToArray();
        double sxx = 0, sxy = 0, syy = 0;
        foreach (var (k, x, y) in rows)
        {
            var (dx, dy) = (x - means[k].X, y - means[k].Y);
            (sxx, sxy, syy) = (sxx + (dx * dx), sxy + (dx * dy), syy + (dy * dy));
        }

        var n = rows.Count - classes;
        (sxx, sxy, syy) = (sxx / n, sxy / n, syy / n);
        var det = (sxx * syy) - (sxy * sxy);
        var (ixx, ixy, iyy) = (syy / det, -sxy / det, sxx / det);
        return (x, y) =>
        {
            var discriminants = Enumerable.Range(0, classes).Select(k =>
            {
                var (mx, my) = means[k];
                var (wx, wy) = ((ixx * mx) + (ixy * my), (ixy * mx) + (iyy * my));
                return (wx * x) + (wy * y) - (0.5 * ((wx * mx) + (wy * my))) + Math.Log(shares[k]);
            }).ToArray();
            var top = discriminants.Max();
            var exp = discriminants.Select(d => Math.Exp(d - top)).ToArray();
            return [.. exp.Select(e => e / exp.Sum())];
        };
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
