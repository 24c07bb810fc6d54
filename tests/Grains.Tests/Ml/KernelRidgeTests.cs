using System.Globalization;
using System.Text;
using MathNet.Numerics.LinearAlgebra;
using Microsoft.ML;
using Microsoft.ML.Data;
using OrleansMl.Ml;
using Xunit.Abstractions;

namespace OrleansMl.Tests.Ml;

/// <summary>Kernel ridge regression (<c>kernelridge</c>): a linear plus a Gaussian kernel on random Fourier features, its penalty by leave-one-out.</summary>
public sealed class KernelRidgeTests(ITestOutputHelper output)
{
    private static readonly ModelTrainer Trainer = new(new TrainerOptions());

    /// <summary>
    /// On a smooth curve a straight line cannot follow (<c>y = sin(x)</c> plus a little noise), kernel ridge regression
    /// follows it: its held-out RMSE is near the noise, the linear model's near the curve's own spread. The version is
    /// served after a save and a load, and a prediction at a point of the curve is near the curve.
    /// </summary>
    [Fact]
    public void KernelRidge_OnASmoothCurve_FollowsWhatALinearModelCannot()
    {
        var csv = Curve(400, seed: 3);
        var kernel = Trainer.Train(MlTestData.Frame(csv), MlTestData.Spec("y", algorithm: TrainingAlgorithm.KernelRidge), null, CancellationToken.None);
        var linear = Trainer.Train(MlTestData.Frame(csv), MlTestData.Spec("y", algorithm: TrainingAlgorithm.Linear), null, CancellationToken.None);
        output.WriteLine($"held-out RMSE: kernelridge {kernel.Metrics["rmse"]:F4}, linear {linear.Metrics["rmse"]:F4}");

        Assert.Equal("kernelridge(linear+rbf,randomFeatures=192,l2=leave-one-out)", kernel.Algorithm);
        Assert.Equal(ModelTask.Regression, kernel.Signature.Task);
        Assert.True(kernel.Metrics["rmse"] < 0.15, $"kernelridge RMSE {kernel.Metrics["rmse"]:F4}");
        Assert.True(linear.Metrics["rmse"] > 0.3, $"linear RMSE {linear.Metrics["rmse"]:F4}");

        var predictor = LoadedModel.Load(new MemoryStream(kernel.ModelBytes), kernel.Signature).CreatePredictor();
        foreach (var x in new[] { -2.5, -1.0, 0.0, 0.7, 1.57, 2.8 })
        {
            var value = predictor.Predict(new Dictionary<string, FeatureValue> { ["x"] = x }).Value!.Value;
            output.WriteLine($"x {x}: {value:F4} (sin {Math.Sin(x):F4})");
            Assert.Equal(Math.Sin(x), value, 0.2);
        }
    }

    /// <summary>
    /// The penalty is chosen by the exact leave-one-out error, read for every penalty from one eigendecomposition. Here
    /// each error is computed the long way too, refitting without each row in turn (a ridge regression with an
    /// unpenalized intercept over the same features, in its dual form), and the two agree at every penalty; the chosen
    /// penalty is the one with the smallest, and the model's weights are those of the ridge regression at that penalty on
    /// every row: the served predictions equal the long way's.
    /// </summary>
    [Fact]
    public void KernelRidge_ChoosesThePenaltyWithTheSmallestExactLeaveOneOutError()
    {
        var ml = new MLContext(7);
        var rows = Enumerable.Range(0, 40).Select(i =>
        {
            var random = new Random(i);
            var x = new[] { (float)((random.NextDouble() * 4) - 2), (float)((random.NextDouble() * 4) - 2) };
            return new Row { Features = x, Label = (float)(Math.Sin(x[0]) + (0.5 * x[1]) + (0.2 * ((random.NextDouble() * 2) - 1))) };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var estimator = new KernelRidge(ml, seed: 11);
        var model = estimator.Fit(data);
        var scored = model.Transform(data);

        // The features the regression reads, as the model computes them.
        var features = scored.GetColumn<VBuffer<float>>("__kernel_features").Select(v => v.DenseValues().Select(f => (double)f).ToArray()).ToArray();
        var labels = rows.Select(r => (double)r.Label).ToArray();
        var served = scored.GetColumn<float>("Score").ToArray();
        Assert.Equal(2 + KernelRidge.RandomFeatures, features[0].Length);

        var errors = estimator.LeaveOneOutErrors;
        Assert.Equal(KernelRidge.Penalties.Length, errors.Length);
        for (var t = 0; t < KernelRidge.Penalties.Length; t++)
        {
            var penalty = KernelRidge.Penalties[t];
            var longWay = Enumerable.Range(0, rows.Count).Average(i =>
            {
                var kept = Enumerable.Range(0, rows.Count).Where(r => r != i).ToArray();
                var error = labels[i] - Ridge(features, labels, kept, penalty)(features[i]);
                return error * error;
            });
            output.WriteLine($"l2 {penalty:G4}: leave-one-out {errors[t]:F6}, the long way {longWay:F6}");
            Assert.Equal(longWay, errors[t], longWay * 1e-6);
        }

        var best = Array.IndexOf(errors, errors.Min());
        Assert.Equal(KernelRidge.Penalties[best], estimator.ChosenPenalty);
        var full = Ridge(features, labels, [.. Enumerable.Range(0, rows.Count)], estimator.ChosenPenalty);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(full(features[i]), served[i], 1e-3);
        }
    }

    /// <summary>
    /// <c>auto</c> tries kernel ridge regression on a small numeric regression and prefers it within one standard error
    /// of the best mean; it does not try it on classes, on data with a category, or on more training rows than it
    /// searches.
    /// </summary>
    [Fact]
    public void Auto_OnASmallNumericRegression_TriesKernelRidge_AndPrefersItWithinOneStandardError()
    {
        var diabetes = Trainer.Train(MlTestData.Public("diabetes"), MlTestData.Spec("target"), null, CancellationToken.None);
        var search = Assert.IsType<SearchResult>(diabetes.Search);
        foreach (var candidate in search.Candidates)
        {
            output.WriteLine($"{candidate.Algorithm}: {candidate.Score:F4}{(candidate.Chosen ? " chosen" : string.Empty)}");
        }

        var kernel = Assert.Single(search.Candidates, c => c.Algorithm.StartsWith("kernelridge", StringComparison.Ordinal));
        var best = search.Candidates.MaxBy(c => c.Score)!;
        var scores = best.Scores.Select(v => v!.Value).ToArray();
        var error = Math.Sqrt(scores.Sum(v => (v - best.Score!.Value) * (v - best.Score!.Value)) / (scores.Length - 1) / scores.Length);
        Assert.Equal(kernel.Score >= best.Score - error, kernel.Chosen);

        var classes = Trainer.Train(MlTestData.Public("iris"), MlTestData.Spec("target"), null, CancellationToken.None);
        Assert.DoesNotContain(classes.Search!.Candidates, c => c.Algorithm.StartsWith("kernelridge", StringComparison.Ordinal));
        var withCategory = Trainer.Train(MlTestData.Frame(MlTestData.BinaryCsv()), MlTestData.Spec("age", ModelTask.Regression), null, CancellationToken.None);
        Assert.DoesNotContain(withCategory.Search!.Candidates, c => c.Algorithm.StartsWith("kernelridge", StringComparison.Ordinal));
        var many = Trainer.Train(MlTestData.Frame(Curve(KernelRidge.MaxSearchRows + 600, seed: 5)), MlTestData.Spec("y"), null, CancellationToken.None);
        Assert.DoesNotContain(many.Search!.Candidates, c => c.Algorithm.StartsWith("kernelridge", StringComparison.Ordinal));
        var few = Trainer.Train(MlTestData.Frame(Curve(KernelRidge.MaxSearchRows, seed: 5)), MlTestData.Spec("y"), null, CancellationToken.None);
        Assert.Contains(few.Search!.Candidates, c => c.Algorithm.StartsWith("kernelridge", StringComparison.Ordinal));
    }

    /// <summary>The preference order puts kernel ridge first and keeps the list's order for the rest.</summary>
    [Fact]
    public void Preference_PutsKernelRidgeFirst_ThenTheListsOrder()
    {
        var candidates = AutoSearch.CrossValidationCandidates(300, HyperParameters.None, kernel: true);

        Assert.Equal(TrainingAlgorithm.KernelRidge, candidates[^1].Algorithm);
        Assert.Equal([candidates.Count - 1, .. Enumerable.Range(0, candidates.Count - 1)], AutoSearch.Preference(candidates));
        Assert.Equal(AutoSearch.CrossValidationCandidates(300, HyperParameters.None), candidates.Take(candidates.Count - 1));
    }

    /// <summary>A fit asked for on classes fails saying what to choose instead.</summary>
    [Fact]
    public void KernelRidge_OnClasses_FailsSayingWhatToChoose()
    {
        var error = Assert.Throws<InvalidTrainingRequestException>(() =>
            Trainer.Train(MlTestData.Public("iris"), MlTestData.Spec("target", algorithm: TrainingAlgorithm.KernelRidge), null, CancellationToken.None));

        Assert.Contains("kernelridge is for a regression target", error.Message, StringComparison.Ordinal);
    }

    /// <summary><c>y = sin(x) + noise</c> (standard deviation 0.05) for x uniform in [−3, 3].</summary>
    private static string Curve(int rows, int seed)
    {
        var random = new Random(seed);
        var csv = new StringBuilder("x,y\n");
        for (var i = 0; i < rows; i++)
        {
            var x = (random.NextDouble() * 6) - 3;
            var noise = 0.05 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            csv.Append(CultureInfo.InvariantCulture, $"{x:R},{Math.Sin(x) + noise:R}\n");
        }

        return csv.ToString();
    }

    /// <summary>
    /// The ridge regression of the <paramref name="kept"/> rows with an unpenalized intercept, in its dual form: features
    /// and labels centred on those rows, <c>α = (K + λI)⁻¹ y</c> with <c>K</c> their Gram matrix.
    /// </summary>
    private static Func<double[], double> Ridge(double[][] features, double[] labels, int[] kept, double penalty)
    {
        var width = features[0].Length;
        var means = new double[width];
        foreach (var r in kept)
        {
            for (var j = 0; j < width; j++)
            {
                means[j] += features[r][j] / kept.Length;
            }
        }

        var labelMean = kept.Average(r => labels[r]);
        var centred = Matrix<double>.Build.Dense(kept.Length, width, (i, j) => features[kept[i]][j] - means[j]);
        var gram = centred * centred.Transpose() + (penalty * Matrix<double>.Build.DenseIdentity(kept.Length));
        var alpha = gram.Solve(Vector<double>.Build.Dense(kept.Length, i => labels[kept[i]] - labelMean));
        var weights = centred.TransposeThisAndMultiply(alpha);
        return row => labelMean + Enumerable.Range(0, width).Sum(j => weights[j] * (row[j] - means[j]));
    }

    private sealed class Row
    {
        [VectorType(2)]
        [ColumnName("Features")]
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }
}
