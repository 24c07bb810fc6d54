using OrleansMl.Ml;
using Xunit.Abstractions;

namespace OrleansMl.Tests.Ml;

public class ModelTrainerTests(ITestOutputHelper output)
{
    private static readonly ModelTrainer Trainer = new(new TrainerOptions());

    private static readonly Lazy<DatasetFrame> Binary = new(() => MlTestData.Frame(MlTestData.BinaryCsv()));
    private static readonly Lazy<DatasetFrame> Multiclass = new(() => MlTestData.Frame(MlTestData.MulticlassCsv()));
    private static readonly Lazy<DatasetFrame> Regression = new(() => MlTestData.Frame(MlTestData.RegressionCsv()));

    [Theory]
    [InlineData(TrainingAlgorithm.FastTree)]
    [InlineData(TrainingAlgorithm.LightGbm)]
    [InlineData(TrainingAlgorithm.FastForest)]
    [InlineData(TrainingAlgorithm.Linear)]
    [InlineData(TrainingAlgorithm.Auto)]
    public void Train_SeparatesBinaryData_WithEveryAlgorithm(TrainingAlgorithm algorithm)
    {
        var model = Trainer.Train(Binary.Value, MlTestData.Spec("churned", algorithm: algorithm), null, CancellationToken.None);

        output.WriteLine($"{model.Algorithm}: {string.Join(", ", model.Metrics.Select(m => $"{m.Key}={m.Value:F3}"))}");
        Assert.Equal(ModelTask.Binary, model.Signature.Task);
        Assert.True(model.Metrics["accuracy"] >= 0.85, $"accuracy {model.Metrics["accuracy"]:F3}");
        Assert.True(model.Metrics["auc"] >= 0.9, $"auc {model.Metrics["auc"]:F3}");
        Assert.All(["accuracy", "auc", "f1", "logLoss", "precision", "recall"], m => Assert.Contains(m, model.Metrics.Keys));
        Assert.Equal(60, model.TestRows);
        Assert.Equal(240, model.TrainRows);
    }

    [Theory]
    [InlineData(TrainingAlgorithm.FastTree)]
    [InlineData(TrainingAlgorithm.LightGbm)]
    [InlineData(TrainingAlgorithm.FastForest)]
    [InlineData(TrainingAlgorithm.Linear)]
    [InlineData(TrainingAlgorithm.Auto)]
    public void Train_SeparatesThreeClasses_WithEveryAlgorithm(TrainingAlgorithm algorithm)
    {
        var model = Trainer.Train(Multiclass.Value, MlTestData.Spec("species", algorithm: algorithm), null, CancellationToken.None);

        output.WriteLine($"{model.Algorithm}: {string.Join(", ", model.Metrics.Select(m => $"{m.Key}={m.Value:F3}"))}");
        Assert.Equal(ModelTask.Multiclass, model.Signature.Task);
        Assert.True(model.Metrics["microAccuracy"] >= 0.9, $"microAccuracy {model.Metrics["microAccuracy"]:F3}");
        Assert.All(["microAccuracy", "macroAccuracy", "logLoss"], m => Assert.Contains(m, model.Metrics.Keys));
    }

    [Theory]
    [InlineData(TrainingAlgorithm.FastTree)]
    [InlineData(TrainingAlgorithm.LightGbm)]
    [InlineData(TrainingAlgorithm.FastForest)]
    [InlineData(TrainingAlgorithm.Linear)]
    [InlineData(TrainingAlgorithm.Auto)]
    public void Train_FitsALinearTarget_WithEveryAlgorithm(TrainingAlgorithm algorithm)
    {
        var model = Trainer.Train(Regression.Value, MlTestData.Spec("price", algorithm: algorithm), null, CancellationToken.None);

        output.WriteLine($"{model.Algorithm}: {string.Join(", ", model.Metrics.Select(m => $"{m.Key}={m.Value:F3}"))}");
        Assert.Equal(ModelTask.Regression, model.Signature.Task);
        Assert.True(model.Metrics["r2"] >= 0.9, $"r2 {model.Metrics["r2"]:F3}");
        Assert.All(["rmse", "mae", "r2"], m => Assert.Contains(m, model.Metrics.Keys));
    }

    [Theory]
    [InlineData(10.0)]
    [InlineData(1.0)]
    [InlineData(1000.0)]
    public void Train_FitsOneColumnLinearTarget_WithTheLinearLearnerAtItsDefaults(double range)
    {
        // One input and little noise: SDCA with a weak L2 term once diverged here ("non-finite weights").
        var random = new Random(7);
        var csv = new System.Text.StringBuilder("x,y\n");
        for (var i = 0; i < 200; i++)
        {
            var x = random.NextDouble() * range;
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{x:R},{(3 * x) + random.NextDouble():R}\n");
        }

        var model = Trainer.Train(MlTestData.Frame(csv.ToString()), MlTestData.Spec("y", algorithm: TrainingAlgorithm.Linear), null, CancellationToken.None);

        output.WriteLine($"{model.Algorithm}: {string.Join(", ", model.Metrics.Select(m => $"{m.Key}={m.Value:F4}"))}");
        // The noise, uniform on [0, 1), has a standard deviation of 0.29 whatever the range of x. The L2 term shrinks
        // the slope by a fixed fraction, l2 / (l2 + 160) on 160 training rows of a standardized x, so it costs in
        // proportion to x's spread (range / √12): at the widest, the default L2 1 costs 3 × 289 / 161, about 5.4 of RMSE.
        Assert.True(model.Metrics["rmse"] < 0.35 + (0.006 * range), $"rmse {model.Metrics["rmse"]:F4}");
        Assert.True(model.Metrics["r2"] > 0.85, $"r2 {model.Metrics["r2"]:F4}");
    }

    /// <summary>
    /// A linear model does not depend on where a feature's zero lies: the numbers are standardized (centred) before
    /// the L2 term weighs them. Scaled by their root mean square instead (ML.NET's default), a feature moved 1,000 away
    /// from zero was shrunk a thousandfold and its weight penalized accordingly. With a categorical column the numbers
    /// are standardized apart from its one-hot slots, which keep their zeros.
    /// </summary>
    [Theory]
    [InlineData(ModelTask.Binary, false)]
    [InlineData(ModelTask.Multiclass, false)]
    [InlineData(ModelTask.Regression, false)]
    [InlineData(ModelTask.Binary, true)]
    [InlineData(ModelTask.Regression, true)]
    public void Train_LinearLearner_DoesNotDependOnWhereAFeaturesZeroIs(ModelTask task, bool withCategory)
    {
        string Csv(double offset)
        {
            var random = new Random(11);
            var csv = new System.Text.StringBuilder(withCategory ? "x,z,city,y\n" : "x,z,y\n");
            for (var i = 0; i < 300; i++)
            {
                var (x, z, city) = (random.NextDouble(), random.NextDouble(), random.Next(3));
                var signal = x + (0.5 * z) + (withCategory ? 0.3 * city : 0) + (0.3 * random.NextDouble());
                var label = task switch
                {
                    ModelTask.Binary => signal > 0.9 ? "yes" : "no",
                    ModelTask.Multiclass => signal < 0.7 ? "low" : signal < 1.1 ? "mid" : "high",
                    _ => (10 * signal).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                };
                csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{x + offset:R},{z:R},{(withCategory ? $"c{city}," : string.Empty)}{label}\n");
            }

            return csv.ToString();
        }

        var spec = MlTestData.Spec("y", algorithm: TrainingAlgorithm.Linear);
        var near = Trainer.Train(MlTestData.Frame(Csv(0)), spec, null, CancellationToken.None);
        var far = Trainer.Train(MlTestData.Frame(Csv(1000)), spec, null, CancellationToken.None);

        output.WriteLine($"near zero: {string.Join(", ", near.Metrics.Select(m => $"{m.Key}={m.Value:F4}"))}");
        output.WriteLine($"1,000 away: {string.Join(", ", far.Metrics.Select(m => $"{m.Key}={m.Value:F4}"))}");
        var metric = task == ModelTask.Regression ? "rmse" : "logLoss";
        Assert.Equal(near.Metrics[metric], far.Metrics[metric], 0.01 * near.Metrics[metric]);
    }

    [Fact]
    public void Train_DescribesInputs_WithUnusedColumnsIgnored()
    {
        var spec = MlTestData.Spec("churned", algorithm: TrainingAlgorithm.LightGbm, features: ["age", "member", "city"]);

        var model = Trainer.Train(Binary.Value, spec, null, CancellationToken.None);

        Assert.Equal(
            [
                ("customer_id", ColumnKind.Ignored),
                ("age", ColumnKind.Numeric),
                ("income", ColumnKind.Ignored),
                ("member", ColumnKind.Boolean),
                ("city", ColumnKind.Categorical),
            ],
            model.Signature.Inputs.Select(i => (i.Name, i.Kind)).ToArray());

        // The training data's distribution is kept for the features the model uses, as the reference for drift.
        Assert.Equal(
            ["age", "member", "city"],
            model.Signature.Inputs.Where(i => i.Reference is not null).Select(i => i.Name).ToArray());
        var city = Binary.Value.Columns.Single(c => c.Name == "city");
        Assert.Equal(city.Info.Count, model.Signature.Inputs.Single(i => i.Name == "city").Reference!.Counts.Sum());
        Assert.Equal("churned", model.Signature.Label);
        Assert.Equal(["no", "yes"], model.Signature.Classes.ToArray());
        Assert.Equal(ColumnKind.Categorical, model.Signature.LabelKind);
    }

    [Fact]
    public void Train_UsesEveryUsableColumn_WhenNoFeaturesAreNamed()
    {
        var model = Trainer.Train(Binary.Value, MlTestData.Spec("churned", algorithm: TrainingAlgorithm.Linear), null, CancellationToken.None);

        Assert.Equal(
            ["customer_id:Ignored", "age:Numeric", "income:Numeric", "member:Boolean", "city:Categorical"],
            model.Signature.Inputs.Select(i => $"{i.Name}:{i.Kind}").ToArray());
    }

    [Fact]
    public void Train_DropsRowsWithoutALabel()
    {
        var lines = MlTestData.BinaryCsv(rows: 100).Split('\n');
        var csv = string.Join('\n', lines.Select((line, i) => i > 0 && i % 5 == 0 ? line[..(line.LastIndexOf(',') + 1)] : line));
        var frame = MlTestData.Frame(csv);
        var labelled = frame.Find("churned")!.Info.Count;

        var model = Trainer.Train(frame, MlTestData.Spec("churned", ModelTask.Auto, TrainingAlgorithm.LightGbm), null, CancellationToken.None);

        Assert.Equal(80, labelled);
        Assert.Equal(labelled, model.TrainRows + model.TestRows);
    }

    [Theory]
    [InlineData("0,1", ColumnKind.Numeric, "0", "1")]
    [InlineData("true,false", ColumnKind.Boolean, "false", "true")]
    [InlineData("no,yes", ColumnKind.Categorical, "no", "yes")]
    [InlineData("B,M", ColumnKind.Categorical, "B", "M")]
    [InlineData("-1,1", ColumnKind.Numeric, "-1", "1")]
    public void Train_OrdersBinaryClasses_NegativeThenPositive(string spellings, ColumnKind kind, string negative, string positive)
    {
        var parts = spellings.Split(',');
        var frame = MlTestData.Frame(MlTestData.BinaryCsv(rows: 120, labels: (parts[0], parts[1])));

        var model = Trainer.Train(frame, MlTestData.Spec("churned", algorithm: TrainingAlgorithm.Linear), null, CancellationToken.None);

        Assert.Equal(ModelTask.Binary, model.Signature.Task);
        Assert.Equal(kind, model.Signature.LabelKind);
        Assert.Equal([negative, positive], model.Signature.Classes.ToArray());
    }

    [Fact]
    public void Train_InfersMulticlass_ForFewIntegerClasses_AndSortsThemNumerically()
    {
        var frame = MlTestData.Frame(MlTestData.MulticlassCsv(classes: ["10", "2", "1"]));

        var model = Trainer.Train(frame, MlTestData.Spec("species", algorithm: TrainingAlgorithm.LightGbm), null, CancellationToken.None);

        Assert.Equal(ModelTask.Multiclass, model.Signature.Task);
        Assert.Equal(ColumnKind.Numeric, model.Signature.LabelKind);
        Assert.Equal(["1", "2", "10"], model.Signature.Classes.ToArray());
    }

    [Fact]
    public void Train_WhenLightGbmGrowsNoTree_FailsWithWhatToChange_NotAnEngineError()
    {
        // Enough rows for the request to be accepted, but every split minLeaf allows halves the alternating labels evenly.
        var alternating = MlTestData.Frame("x,y\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"{i},{i % 2}\n")));
        var spec = MlTestData.Spec("y", algorithm: TrainingAlgorithm.LightGbm, parameters: MlTestData.Parameters(("minLeaf", 8)), testFraction: 0);

        var error = Assert.Throws<InvalidTrainingRequestException>(() => Trainer.Train(alternating, spec, null, CancellationToken.None));

        Assert.Equal(
            "LightGBM grew no tree from the 20 training rows: no split of them leaves at least 8 rows (minLeaf 8) and a bin of at least 3 rows on each side "
            + "with any gain, so there is no model to save. Train on more rows (upload more), give a smaller minLeaf, or use algorithm fasttree or linear.",
            error.Message);
    }

    [Fact]
    public void Train_RejectsALabelWithOneValue()
    {
        var frame = MlTestData.Frame(MlTestData.BinaryCsv(rows: 50).Replace(",no\n", ",yes\n", StringComparison.Ordinal));

        var error = Assert.Throws<InvalidTrainingRequestException>(
            () => Trainer.Train(frame, MlTestData.Spec("churned"), null, CancellationToken.None));

        Assert.Contains("'churned' has only one value ('yes')", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_RejectsBinaryOnThreeClasses()
    {
        var error = Assert.Throws<InvalidTrainingRequestException>(
            () => Trainer.Train(Multiclass.Value, MlTestData.Spec("species", ModelTask.Binary), null, CancellationToken.None));

        Assert.Contains("exactly two values, but 'species' has 3: setosa, versicolor, virginica", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_RejectsRegressionOnText()
    {
        var error = Assert.Throws<InvalidTrainingRequestException>(
            () => Trainer.Train(Multiclass.Value, MlTestData.Spec("species", ModelTask.Regression), null, CancellationToken.None));

        Assert.Contains("regression needs a numeric label, but 'species' holds text", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("depth", 3, "Unknown parameter 'depth'. Allowed parameters: trees (or iterations), leaves, learningRate, minLeaf, l1, l2, timeBudgetSeconds")]
    [InlineData("leaves", 1, "Parameter 'leaves' must be a whole number between 2 and 16384; got 1")]
    [InlineData("trees", 2.5, "Parameter 'trees' must be a whole number between 1 and 10000; got 2.5")]
    [InlineData("learningRate", 3, "Parameter 'learningRate' must be between 0.0001 and 1; got 3")]
    [InlineData("L2", -1, "Parameter 'L2' must be between 0 and 1000; got -1")]
    [InlineData("l1", 1001, "Parameter 'l1' must be between 0 and 1000; got 1001")]
    public void Train_RejectsBadParameters_NamingTheKey(string key, double value, string message)
    {
        var spec = MlTestData.Spec("churned", algorithm: TrainingAlgorithm.LightGbm, parameters: MlTestData.Parameters((key, value)));

        var error = Assert.Throws<InvalidTrainingRequestException>(() => Trainer.Train(Binary.Value, spec, null, CancellationToken.None));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_AppliesParameters_CaseInsensitively()
    {
        var spec = MlTestData.Spec(
            "churned",
            algorithm: TrainingAlgorithm.LightGbm,
            parameters: MlTestData.Parameters(("Iterations", 20), ("LEAVES", 7), ("learningrate", 0.3), ("minLeaf", 3), ("L1", 0.5)));

        var model = Trainer.Train(Binary.Value, spec, null, CancellationToken.None);

        Assert.Equal("lightgbm(leaves=7,trees=20,lr=0.3,minLeaf=3,l1=0.5,l2=0)", model.Algorithm);
    }

    /// <summary>
    /// <c>l1</c> reaches the learner, weighed against the summed loss: an L1 term larger than any weight's (or leaf's)
    /// summed gradient at zero sets them all to zero, leaving the unpenalized bias, so every row gets the same score
    /// (an AUC of exactly 0.5, no gain over the classes' shares in log-loss); no L1 term fits the signal.
    /// </summary>
    [Theory]
    [InlineData(TrainingAlgorithm.Linear, "linear(lbfgs-logistic,l1=1000,l2=1,iterations=100)")]
    [InlineData(TrainingAlgorithm.LightGbm, "lightgbm(leaves=31,trees=100,lr=0.1,minLeaf=2,l1=1000,l2=0)")]
    public void Train_WithAnL1PenaltyAboveEveryGradient_ScoresEveryRowAlike(TrainingAlgorithm algorithm, string described)
    {
        TrainedModel Fit(double l1) =>
            Trainer.Train(Binary.Value, MlTestData.Spec("churned", algorithm: algorithm, parameters: MlTestData.Parameters(("l1", l1))), null, CancellationToken.None);

        var none = Fit(0);
        var strong = Fit(1000);

        output.WriteLine($"{none.Algorithm}: auc {none.Metrics["auc"]:F4}; {strong.Algorithm}: auc {strong.Metrics["auc"]:F4}");
        Assert.Equal(described, strong.Algorithm);
        Assert.Equal(0.5, strong.Metrics["auc"], 1e-9);
        Assert.True(none.Metrics["auc"] > 0.9, $"auc without an L1 term {none.Metrics["auc"]:F4}");
    }

    /// <summary>
    /// The penalties of a linear regression leave its intercept alone: as they grow, predictions move towards the
    /// training label's mean, not towards zero (the prices here lie between about 100 and 550; with the intercept
    /// penalized too, <c>l2=1000</c> pulled their mean prediction to about 60). An <c>l1</c> above every weight's summed
    /// gradient at zero sets every weight to zero and leaves the mean itself for every row.
    /// </summary>
    [Fact]
    public void Train_LinearRegression_StronglyPenalized_PredictsTheTrainingMean_NotZero()
    {
        static double[] Predictions(DatasetFrame frame, string label, params (string, double)[] parameters)
        {
            var model = Trainer.Train(
                frame, MlTestData.Spec(label, algorithm: TrainingAlgorithm.Linear, parameters: MlTestData.Parameters(parameters)), null, CancellationToken.None);
            var predictor = LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature).CreatePredictor();
            return [.. Enumerable.Range(0, frame.RowCount).Select(r => predictor.Predict(MlTestData.Row(frame, r, label)).Value!.Value)];
        }

        static double[] Labels(DatasetFrame frame, string label) =>
            [.. Enumerable.Range(0, frame.RowCount).Select(r => double.Parse(frame.Columns.Single(c => c.Name == label).GetText(r)!, System.Globalization.CultureInfo.InvariantCulture))];

        // 240 of the 300 rows trained each model (the others are the test rows), so its mean differs a little from theirs.
        var prices = Labels(Regression.Value, "price");
        var plain = Predictions(Regression.Value, "price");
        var ridge = Predictions(Regression.Value, "price", ("l2", 1000));
        // y = 0.2x + 50: a weight's summed gradient at zero is far below 1000.
        var random = new Random(11);
        var flat = MlTestData.Frame("x,y\n" + string.Concat(Enumerable.Range(0, 300).Select(_ => random.NextDouble()).Select(x =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{x:F4},{(0.2 * x) + 50 + (0.01 * random.NextDouble()):F4}\n"))));
        var lasso = Predictions(flat, "y", ("l1", 1000));
        var flatMean = Labels(flat, "y").Average();

        output.WriteLine($"price mean {prices.Average():F2}; mean prediction at the default l2=1 {plain.Average():F2}, at l2=1000 {ridge.Average():F2}; "
            + $"y mean {flatMean:F4}, predictions at l1=1000 {lasso.Min():F4}..{lasso.Max():F4}");
        Assert.InRange(plain.Average(), prices.Average() - 5, prices.Average() + 5);
        Assert.InRange(ridge.Average(), prices.Average() - 5, prices.Average() + 5);
        Assert.True(Spread(ridge) < Spread(plain) / 2, $"spread at l2=1000 {Spread(ridge):F2}, at l2=1 {Spread(plain):F2}");
        Assert.Equal(lasso.Min(), lasso.Max());
        Assert.InRange(lasso[0], flatMean - 0.05, flatMean + 0.05);
    }

    [Theory]
    [InlineData(-50_000)]
    [InlineData(-0.5)]
    [InlineData(0.000123)]
    [InlineData(2e6)]
    public void Train_LinearRegression_OnLabelsAroundAnyMean_FitsThem(double mean)
    {
        // The labels are centred for the fit and the mean added back to the scores, written into the model as text.
        var random = new Random(13);
        var csv = "x,y\n" + string.Concat(Enumerable.Range(0, 300).Select(_ => random.NextDouble() * 10).Select(x =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{x:R},{(4 * (x - 5)) + mean + random.NextDouble():R}\n")));

        var model = Trainer.Train(MlTestData.Frame(csv), MlTestData.Spec("y", algorithm: TrainingAlgorithm.Linear), null, CancellationToken.None);

        output.WriteLine($"mean {mean}: rmse {model.Metrics["rmse"]:G4}, r2 {model.Metrics["r2"]:F4}");
        Assert.True(model.Metrics["r2"] > 0.98, $"r2 {model.Metrics["r2"]:F4}");
    }

    private static double Spread(double[] values) => Math.Sqrt(values.Average(v => (v - values.Average()) * (v - values.Average())));

    /// <summary>
    /// The linear regression is fitted to its optimum whatever its penalty. Without one (<c>l2=0</c>) the optimum is least
    /// squares, whose residuals on the training rows sum to zero and are orthogonal to every feature, whatever the features'
    /// scales, offsets and correlations: checked here on the served predictions. A penalty of 0.01 then changes them by a
    /// hair. Fitted by a fixed number of passes of SDCA, the penalized model's RMSE was 21% above the optimum's on such data.
    /// </summary>
    [Fact]
    public void Train_LinearRegression_ReachesTheLeastSquaresOptimum_AtAnyPenalty()
    {
        const int Rows = 2000, Features = 30;
        var random = new Random(17);
        var columns = Enumerable.Range(0, Features).Select(j => $"f{j}").ToArray();
        var x = new double[Rows][];
        var labels = new double[Rows];
        var csv = new System.Text.StringBuilder(string.Join(",", columns) + ",y\n");
        for (var i = 0; i < Rows; i++)
        {
            // Correlated features (a shared factor), on scales from 0.5 to 15 and offsets up to ±50.
            var shared = Normal(random);
            x[i] = [.. Enumerable.Range(0, Features).Select(j => Math.Round(((0.8 * shared) + (0.6 * Normal(random))) * (0.5 + (j / 2.0)) + (((j % 7) - 3) * 16), 4))];
            labels[i] = Math.Round(100 + x[i].Select((v, j) => (j % 3 == 0 ? 0 : ((j % 5) - 2) * 0.7) * v).Sum() + (5 * Normal(random)), 4);
            csv.Append(string.Join(",", x[i].Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))))
                .Append(System.Globalization.CultureInfo.InvariantCulture, $",{labels[i]:R}\n");
        }

        var frame = MlTestData.Frame(csv.ToString());
        double[] Fitted(double l2)
        {
            var spec = MlTestData.Spec("y", algorithm: TrainingAlgorithm.Linear, testFraction: 0, parameters: MlTestData.Parameters(("l2", l2)));
            var model = Trainer.Train(frame, spec, null, CancellationToken.None);
            Assert.Equal($"linear(least-squares,l1=0,l2={l2.ToString(System.Globalization.CultureInfo.InvariantCulture)},iterations=100)", model.Algorithm);
            var predictor = LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature).CreatePredictor();
            return [.. Enumerable.Range(0, Rows).Select(i => predictor.Predict(MlTestData.Row(frame, i, "y")).Value!.Value)];
        }

        var exact = Fitted(0);
        var residuals = labels.Select((y, i) => y - exact[i]).ToArray();
        var residualNorm = Math.Sqrt(residuals.Sum(r => r * r));
        Assert.InRange(Math.Abs(residuals.Sum()) / (residualNorm * Math.Sqrt(Rows)), 0, 1e-4);
        for (var j = 0; j < Features; j++)
        {
            var mean = x.Average(row => row[j]);
            var centred = x.Select(row => row[j] - mean).ToArray();
            var cosine = centred.Zip(residuals, (a, r) => a * r).Sum() / (Math.Sqrt(centred.Sum(a => a * a)) * residualNorm);
            Assert.True(Math.Abs(cosine) < 1e-4, $"feature f{j}: residuals at cosine {cosine:G3} to it");
        }

        var penalized = Fitted(0.01);
        var spread = Spread(labels);
        Assert.All(penalized.Zip(exact), p => Assert.InRange(Math.Abs(p.First - p.Second), 0, 1e-3 * spread));
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>
    /// Without a penalty, a feature that never varies and one that copies another leave least squares without a single
    /// solution: the fit takes one, predicts as well as the rest of the features allow, and the constant gets no weight.
    /// </summary>
    [Fact]
    public void Train_LinearRegression_WithoutAPenalty_FitsConstantAndDuplicatedColumns()
    {
        var csv = "x,copy,constant,y\n" + string.Concat(Enumerable.Range(0, 200).Select(i => $"{i % 37},{i % 37},7,{(3 * (i % 37)) + (i % 2)}\n"));
        var model = Trainer.Train(MlTestData.Frame(csv), MlTestData.Spec("y", algorithm: TrainingAlgorithm.Linear, parameters: MlTestData.Parameters(("l2", 0))), null, CancellationToken.None);
        var predictor = LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature).CreatePredictor();

        Assert.True(model.Metrics["r2"] > 0.999, $"r2 {model.Metrics["r2"]}");
        var at = (double x) => predictor.Predict(new Dictionary<string, FeatureValue> { ["x"] = x, ["copy"] = x, ["constant"] = 7 }).Value!.Value;
        Assert.Equal(3 * 20, at(20) - at(0), 0.05);
    }

    [Fact]
    public void Train_LinearRegression_WithAnL1Penalty_ZeroesTheWeightsOfFeaturesThatCarryNoSignal()
    {
        // y depends on x alone; ten noise columns. Without an L1 term every column gets some weight; with one, the noise
        // columns get none, so changing them leaves the prediction as it is.
        var random = new Random(5);
        var csv = new System.Text.StringBuilder("x," + string.Join(",", Enumerable.Range(0, 10).Select(i => $"n{i}")) + ",y\n");
        for (var i = 0; i < 400; i++)
        {
            var x = random.NextDouble() * 10;
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{x:F3},{string.Join(",", Enumerable.Range(0, 10).Select(_ => (random.NextDouble() * 10).ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))},{(5 * x) + 100 + random.NextDouble():F3}\n");
        }

        var frame = MlTestData.Frame(csv.ToString());
        (double Moved, double R2) Fit(double l1)
        {
            var model = Trainer.Train(
                frame, MlTestData.Spec("y", algorithm: TrainingAlgorithm.Linear, parameters: MlTestData.Parameters(("l1", l1))), null, CancellationToken.None);
            var predictor = LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature).CreatePredictor();
            var row = MlTestData.Row(frame, 0, "y");
            var noisy = Enumerable.Range(0, 10).Aggregate(row, (r, i) => r.SetItem($"n{i}", FeatureValue.FromNumber(9.5)));
            return (Math.Abs(predictor.Predict(noisy).Value!.Value - predictor.Predict(row).Value!.Value), model.Metrics["r2"]);
        }

        var none = Fit(0);
        var lasso = Fit(20);

        output.WriteLine($"l1=0: noise moves the prediction by {none.Moved:F4}, r2 {none.R2:F4}; l1=20: {lasso.Moved:F4}, r2 {lasso.R2:F4}");
        Assert.True(none.Moved > 0, "without an L1 term the noise columns have weights");
        Assert.Equal(0, lasso.Moved);
        Assert.True(lasso.R2 > 0.99, $"r2 with l1=20 {lasso.R2:F4}");
    }

    [Fact]
    public void Train_L1WithoutL2_WithTheLinearLearner_OnARegressionOnlyTheRowsReveal_IsRejected()
    {
        // Under task auto, a numeric label of few distinct values is classes if they are whole numbers: the summary the
        // validator reads does not tell, the rows do.
        var csv = "x,y\n" + string.Concat(Enumerable.Range(0, 60).Select(i => $"{i},{(i % 5) + 0.5}\n"));
        var spec = MlTestData.Spec("y", algorithm: TrainingAlgorithm.Linear, parameters: MlTestData.Parameters(("l1", 0.5), ("l2", 0)));

        var error = Assert.Throws<InvalidTrainingRequestException>(() => Trainer.Train(MlTestData.Frame(csv), spec, null, CancellationToken.None));

        Assert.Contains("Parameter 'l1' above 0 needs 'l2' of at least 0.000001 for a linear regression", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_Auto_OnARegression_AppliesAFixedL1ToItsLinearAndLightGbmCandidates()
    {
        var spec = MlTestData.Spec("price", algorithm: TrainingAlgorithm.Auto, parameters: MlTestData.Parameters(("l1", 0.5)));

        var model = Trainer.Train(Regression.Value, spec, null, CancellationToken.None);
        var candidates = AutoSearch.CrossValidationCandidates(240, HyperParameters.Parse(spec.Parameters));

        output.WriteLine($"{model.Algorithm}: r2 {model.Metrics["r2"]:F3}");
        Assert.True(model.Metrics["r2"] > 0.9, $"r2 {model.Metrics["r2"]:F3}");
        Assert.Equal(
            ["linear(least-squares,l1=0.5,l2=1,iterations=100)", "lightgbm(leaves=31,trees=100,lr=0.1,minLeaf=2,l1=0.5,l2=0)",
             "fastforest(leaves=20,trees=100,minLeaf=2)", "linear(least-squares,l1=0.5,l2=0.1,iterations=100)"],
            candidates.Select(c => c.Describe(ModelTask.Regression)));
    }

    [Fact]
    public void Train_LinearMulticlass_WithAnL1PenaltyAboveEveryGradient_PredictsOneClassForEveryRow()
    {
        TrainedModel Fit(double l1) => Trainer.Train(
            Multiclass.Value, MlTestData.Spec("species", algorithm: TrainingAlgorithm.Linear, parameters: MlTestData.Parameters(("l1", l1))), null, CancellationToken.None);

        var none = Fit(0);
        var strong = Fit(1000);

        output.WriteLine($"l1=0: accuracy {none.Metrics["microAccuracy"]:F4}; l1=1000: {strong.Metrics["microAccuracy"]:F4}");
        Assert.Equal("linear(lbfgs-maxent,l1=1000,l2=1,iterations=100)", strong.Algorithm);
        Assert.True(none.Metrics["microAccuracy"] > 0.8, $"accuracy without an L1 term {none.Metrics["microAccuracy"]:F4}");
        // The three classes have a third of the (stratified) test rows each: one class for every row is right on a third.
        Assert.Equal(1.0 / 3, strong.Metrics["microAccuracy"], 1e-9);
    }

    [Theory]
    [InlineData(TrainingAlgorithm.LightGbm)]
    [InlineData(TrainingAlgorithm.Auto)]
    public void Train_WithATestFractionOfZero_FitsEveryLabelledRow_AndHasNoHeldOutMetrics(TrainingAlgorithm algorithm)
    {
        var spec = MlTestData.Spec("churned", algorithm: algorithm, testFraction: 0);

        var model = Trainer.Train(Binary.Value, spec, null, CancellationToken.None);
        var scored = ModelEvaluator.Evaluate(model.ModelBytes, model.Signature, Binary.Value, CancellationToken.None);

        Assert.Equal((300, 0), (model.TrainRows, model.TestRows));
        Assert.Empty(model.Metrics);
        Assert.True(scored.Metrics["auc"] >= 0.9, $"auc on the training rows {scored.Metrics["auc"]:F3}");
    }

    [Fact]
    public void Train_LinearLearner_NamesEveryPenaltyItIsFittedWith()
    {
        var parameters = MlTestData.Parameters(("l2", 0.5), ("iterations", 50));

        string Fitted(DatasetFrame frame, string label) =>
            Trainer.Train(frame, MlTestData.Spec(label, algorithm: TrainingAlgorithm.Linear, parameters: parameters), null, CancellationToken.None).Algorithm;

        // L-BFGS adds an L1 term of its own unless told otherwise; SDCA would pick one from the feature count.
        Assert.Equal("linear(lbfgs-logistic,l1=1,l2=0.5,iterations=50)", Fitted(Binary.Value, "churned"));
        Assert.Equal("linear(lbfgs-maxent,l1=1,l2=0.5,iterations=50)", Fitted(Multiclass.Value, "species"));
        Assert.Equal("linear(least-squares,l1=0,l2=0.5,iterations=50)", Fitted(Regression.Value, "price"));
    }

    [Fact]
    public void Train_ReportsProgressThroughEveryStage()
    {
        var reports = new List<TrainingProgress>();

        Trainer.Train(Binary.Value, MlTestData.Spec("churned"), new SynchronousProgress(reports.Add), CancellationToken.None);

        var stages = reports.Select(r => r.Stage).Distinct().ToArray();
        Assert.Equal(["featurizing", "training", "evaluating", "saving"], stages);
        Assert.Equal(reports.Select(r => r.Fraction).Order(), reports.Select(r => r.Fraction));
        Assert.All(reports.Where(r => r.Stage == "training"), r => Assert.InRange(r.Fraction, 0.2, 0.85));
    }

    [Fact]
    public void Train_IsRepeatable_WithTheSameSeed()
    {
        var spec = MlTestData.Spec("churned", algorithm: TrainingAlgorithm.FastForest);

        var first = Trainer.Train(Binary.Value, spec, null, CancellationToken.None);
        var second = Trainer.Train(Binary.Value, spec, null, CancellationToken.None);

        Assert.Equal(first.Metrics, second.Metrics);
    }

    [Fact]
    public void Train_Auto_RecordsEveryCandidateItCrossValidated_BestFirst_AndTheOneItChose()
    {
        var model = Trainer.Train(Binary.Value, MlTestData.Spec("churned", algorithm: TrainingAlgorithm.Auto), null, CancellationToken.None);
        var named = Trainer.Train(Binary.Value, MlTestData.Spec("churned", algorithm: TrainingAlgorithm.LightGbm), null, CancellationToken.None);

        var search = Assert.IsType<SearchResult>(model.Search);
        foreach (var candidate in search.Candidates)
        {
            output.WriteLine($"{candidate.Algorithm}: {candidate.Score:F4} ({string.Join(", ", candidate.Scores)}){(candidate.Chosen ? " chosen" : string.Empty)}");
        }

        Assert.Equal(
            "5-fold cross-validation on 240 training rows (a forest's folds fitted with half its trees), "
            + "choosing the first candidate in order of preference whose mean is within one standard error of the best",
            search.Method);
        Assert.Equal("auc + 0.001 × accuracy − 0.0001 × logLoss (higher is better)", search.Objective);
        Assert.Equal(AutoSearch.CrossValidationCandidates(240, HyperParameters.None).Select(c => c.Describe(ModelTask.Binary)).Order(), search.Candidates.Select(c => c.Algorithm).Order());
        Assert.Equal(search.Candidates.Select(c => c.Score).OrderDescending(), search.Candidates.Select(c => c.Score));
        Assert.All(search.Candidates, c => Assert.Equal(c.Scores.Average()!.Value, c.Score!.Value, 1e-5));
        Assert.All(search.Candidates, c => Assert.Equal(5, c.Scores.Length));
        // The one-standard-error rule over the candidates in the list's order chose, and that is what the version was
        // fitted with.
        var listed = AutoSearch.CrossValidationCandidates(240, HyperParameters.None)
            .Select(c => search.Candidates.Single(s => s.Algorithm == c.Describe(ModelTask.Binary))).ToList();
        var chosen = Assert.Single(search.Candidates, c => c.Chosen);
        Assert.Same(listed[AutoSearch.WithinOneStandardError([.. listed.Select(c => c.Scores.Select(v => v!.Value).ToArray())])], chosen);
        Assert.Equal(model.Algorithm, chosen.Algorithm);
        Assert.Null(named.Search);
    }

    [Fact]
    public void Train_Auto_OnASample_RecordsEveryTrialItRan()
    {
        var frame = SyntheticData.ClassificationFrame(15_000, features: 5, classes: 2);
        var spec = MlTestData.Spec("target", algorithm: TrainingAlgorithm.Auto, parameters: MlTestData.Parameters(("timeBudgetSeconds", 1)));

        var model = Trainer.Train(frame, spec, null, CancellationToken.None);

        var search = Assert.IsType<SearchResult>(model.Search);
        output.WriteLine($"{search.Method}; {model.Algorithm}: {string.Join("; ", search.Candidates.Select(c => $"{c.Algorithm} {c.Score}"))}");
        Assert.Matches(@"^a holdout: fitted on 9,\d{3} of the 1[12],\d{3} training rows, scored on 2,\d{3} others, within 1 s$", search.Method);
        Assert.True(search.Candidates.Length >= 2, $"{search.Candidates.Length} trials");
        Assert.All(search.Candidates, c => Assert.Single(c.Scores));
        var chosen = Assert.Single(search.Candidates, c => c.Chosen);
        Assert.Equal(search.Candidates[0], chosen);
        // On all 12,000 training rows the winner's trees may get more leaves than on the sample.
        Assert.Equal(chosen.Algorithm.Split('(')[0], model.Algorithm.Split('(')[0]);
    }

    [Theory]
    [InlineData(TrainingAlgorithm.FastTree, 2)]
    [InlineData(TrainingAlgorithm.FastTree, 3)]
    [InlineData(TrainingAlgorithm.LightGbm, 2)]
    [InlineData(TrainingAlgorithm.FastForest, 3)]
    [InlineData(TrainingAlgorithm.Auto, 2)]
    public void Train_StopsPromptly_WhenCancelledDuringAFit(TrainingAlgorithm algorithm, int classes)
    {
        // Thousands of deep trees on 20k rows take far longer than the few seconds this test allows.
        var frame = SyntheticData.ClassificationFrame(20_000, features: 10, classes: classes);
        var spec = MlTestData.Spec(
            "target",
            algorithm: algorithm,
            parameters: MlTestData.Parameters(("trees", 10_000), ("leaves", 255), ("minLeaf", 1), ("timeBudgetSeconds", 600)));
        using var cancellation = new CancellationTokenSource();
        IDisposable? deadline = null;
        var watch = new System.Diagnostics.Stopwatch();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Stage == "training" && !watch.IsRunning)
            {
                watch.Start();
                deadline = Deadlines.CancelAfter(cancellation, TimeSpan.FromMilliseconds(300));
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Train(frame, spec, progress, cancellation.Token));
        deadline?.Dispose();

        Assert.True(cancellation.IsCancellationRequested);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"stopped after {watch.Elapsed}");
    }

    [Fact]
    public void Train_Throws_WhenCancelledBeforeStarting()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(
            () => Trainer.Train(Binary.Value, MlTestData.Spec("churned"), null, cancellation.Token));
    }

    /// <summary>Reports on the calling thread, unlike <see cref="Progress{T}"/>, so assertions see every report.</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
