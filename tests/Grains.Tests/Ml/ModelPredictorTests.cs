using System.Collections.Immutable;
using Microsoft.ML;
using Microsoft.ML.Data;
using OrleansMl.Ml;

namespace OrleansMl.Tests.Ml;

public class ModelPredictorTests
{
    private static readonly ModelTrainer Trainer = new(new TrainerOptions());

    private static readonly Lazy<(DatasetFrame Frame, TrainedModel Model)> Churn = new(() =>
    {
        var frame = MlTestData.Frame(MlTestData.BinaryCsv());
        var spec = MlTestData.Spec("churned", algorithm: TrainingAlgorithm.LightGbm, features: ["age", "income", "member", "city"]);
        return (frame, Trainer.Train(frame, spec, null, CancellationToken.None));
    });

    [Theory]
    [InlineData("no", "yes", FeatureValueKind.String)]
    [InlineData("0", "1", FeatureValueKind.Number)]
    [InlineData("false", "true", FeatureValueKind.Boolean)]
    [InlineData("stay", "leave", FeatureValueKind.String)]
    public void Predict_ReturnsBinaryLabelsInTheLabelsOwnValues(string negative, string positive, FeatureValueKind kind)
    {
        var frame = MlTestData.Frame(MlTestData.BinaryCsv(labels: (negative, positive)));
        var model = Trainer.Train(frame, MlTestData.Spec("churned", algorithm: TrainingAlgorithm.Linear), null, CancellationToken.None);
        var predictor = Load(model).CreatePredictor();
        var expected = new Dictionary<string, FeatureValue>
        {
            [negative] = kind switch
            {
                FeatureValueKind.Number => FeatureValue.FromNumber(0),
                FeatureValueKind.Boolean => FeatureValue.FromBoolean(false),
                _ => FeatureValue.FromString(negative),
            },
            [positive] = kind switch
            {
                FeatureValueKind.Number => FeatureValue.FromNumber(1),
                FeatureValueKind.Boolean => FeatureValue.FromBoolean(true),
                _ => FeatureValue.FromString(positive),
            },
        };

        var right = 0;
        for (var row = 0; row < frame.RowCount; row++)
        {
            var prediction = predictor.Predict(MlTestData.Row(frame, row));
            Assert.Equal(kind, prediction.Label!.Value.Kind);
            Assert.Equal([negative, positive], prediction.Probabilities!.Keys.Order(StringComparer.Ordinal).ToArray().Order(Comparer<string>.Create((a, b) => a == negative ? -1 : b == negative ? 1 : 0)));
            Assert.Equal(1.0, prediction.Probabilities.Values.Sum(), 6);
            var label = prediction.Probabilities[positive] > 0.5 ? positive : negative;
            Assert.Equal(expected[label], prediction.Label.Value);
            right += label == frame.Find("churned")!.GetText(row) ? 1 : 0;
        }

        Assert.True(right > 0.85 * frame.RowCount, $"{right} of {frame.RowCount} right");
    }

    [Theory]
    [InlineData("setosa,versicolor,virginica", FeatureValueKind.String)]
    [InlineData("1,2,3", FeatureValueKind.Number)]
    public void Predict_ReturnsClassesInTheLabelsOwnValues(string classes, FeatureValueKind kind)
    {
        var names = classes.Split(',');
        var frame = MlTestData.Frame(MlTestData.MulticlassCsv(classes: names));
        var model = Trainer.Train(frame, MlTestData.Spec("species", algorithm: TrainingAlgorithm.LightGbm), null, CancellationToken.None);
        var predictor = Load(model).CreatePredictor();

        var prediction = predictor.Predict(MlTestData.Row(frame, 0));

        Assert.Equal(names, prediction.Probabilities!.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(1.0, prediction.Probabilities.Values.Sum(), 5);
        Assert.Equal(prediction.Probabilities.Values.Max(), prediction.Score!.Value, 6);
        Assert.Equal(kind, prediction.Label!.Value.Kind);
        Assert.Equal(kind == FeatureValueKind.Number ? FeatureValue.FromNumber(1) : FeatureValue.FromString("setosa"), prediction.Label.Value);
    }

    [Fact]
    public void Predict_ReturnsAValue_ForRegression()
    {
        var frame = MlTestData.Frame(MlTestData.RegressionCsv());
        var model = Trainer.Train(frame, MlTestData.Spec("price", algorithm: TrainingAlgorithm.Linear), null, CancellationToken.None);
        var predictor = Load(model).CreatePredictor();

        var prediction = predictor.Predict(new Dictionary<string, FeatureValue> { ["size"] = 100, ["rooms"] = 3, ["district"] = "center" });

        Assert.Null(prediction.Label);
        Assert.Null(prediction.Probabilities);
        Assert.InRange(prediction.Value!.Value, 3 * 100 + 30 + 60 - 15, 3 * 100 + 30 + 60 + 15);
    }

    [Theory]
    [InlineData(TrainingAlgorithm.FastTree)]
    [InlineData(TrainingAlgorithm.FastForest)]
    [InlineData(TrainingAlgorithm.Linear)]
    public void Predict_AfterReload_EqualsTheBatchPipelineAndTheReportedAccuracy(TrainingAlgorithm algorithm)
    {
        var frame = MlTestData.Frame(MlTestData.BinaryCsv());
        var spec = MlTestData.Spec("churned", algorithm: algorithm);
        var model = Trainer.Train(frame, spec, null, CancellationToken.None);
        var predictor = Load(model).CreatePredictor();

        // The batch path: the saved model over the frame's columns, as ML.NET scored the held-out rows.
        var ml = new MLContext();
        var transformer = ml.Model.Load(new MemoryStream(model.ModelBytes), out _);
        var plan = TrainingPlan.Create(frame, spec);
        var scored = transformer.Transform(new FrameDataView(plan.Layout, null, [.. Enumerable.Range(0, frame.RowCount)]));
        var scores = scored.GetColumn<float>("Score").ToArray();
        var probabilities = scored.GetColumn<float>("Probability").ToArray();

        for (var row = 0; row < frame.RowCount; row++)
        {
            var prediction = predictor.Predict(MlTestData.Row(frame, row));
            Assert.Equal(scores[row], prediction.Score!.Value);
            Assert.Equal(probabilities[row], prediction.Probabilities!["yes"], 6);
        }

        var labels = plan.LabelPlan.Values;
        var labelled = Enumerable.Range(0, frame.RowCount).Where(r => !float.IsNaN(labels[r])).ToArray();
        var (_, test) = RowSplit.Split(labelled, labels, stratify: true, spec.TestFraction, spec.Seed);
        var right = test.Count(row => predictor.Predict(MlTestData.Row(frame, row)).Label!.Value.Text == frame.Find("churned")!.GetText(row));
        Assert.Equal(model.Metrics["accuracy"], (double)right / test.Length, 9);
    }

    [Fact]
    public void Predict_RejectsMissingColumns_NamingEachOne()
    {
        var predictor = ChurnPredictor();

        var error = Assert.Throws<InvalidPredictionInputException>(
            () => predictor.Predict(new Dictionary<string, FeatureValue> { ["member"] = true, ["city"] = "Rome" }));

        Assert.Contains("missing columns 'age', 'income'", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected: age, income, member, city", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_RejectsAnUnknownColumn_ListingTheExpectedOnes()
    {
        var predictor = ChurnPredictor();
        var row = Row(("agee", 30), ("income", 50), ("member", true), ("city", "Rome"));

        var error = Assert.Throws<InvalidPredictionInputException>(() => predictor.Predict(row));

        Assert.Contains("missing column 'age'; unknown column 'agee'; expected: age, income, member, city", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_RejectsAColumnGivenTwiceInDifferentCase_RowByRowAndAsABatch()
    {
        var predictor = ChurnPredictor();
        var row = Row(("age", 30), ("income", 50), ("AGE", 70), ("member", true), ("city", "Rome"));

        var single = Assert.Throws<InvalidPredictionInputException>(() => predictor.Predict(row));
        var batch = Assert.Throws<InvalidPredictionInputException>(() => predictor.Predict(PredictionBatch.FromRows([row, row])));

        // The row is a hashed dictionary: either spelling may come first.
        foreach (var error in new[] { single, batch })
        {
            Assert.Matches(
                "column 'age' is given twice, as '(age' and 'AGE|AGE' and 'age)' \\(a column matches the model's input whatever its case\\); send it once\\.",
                error.Message);
        }

        // The same columns without the second spelling score, so the refusal did not stick to the predictor.
        var scored = predictor.Predict(PredictionBatch.FromRows([Row(("age", 30), ("income", 50), ("member", true), ("city", "Rome"))]));
        Assert.Equal(1, scored.Count);
    }

    [Fact]
    public void Predict_RejectsManyUnknownColumnsAndLongValues_WithAnErrorOfBoundedSize()
    {
        var predictor = ChurnPredictor();
        var row = new Dictionary<string, FeatureValue>(Row(("age", new string('z', 100_000)), ("income", 50), ("member", true), ("city", "Rome")));
        for (var i = 0; i < 100_000; i++)
        {
            row[$"unknown-{i}-{new string('x', 200)}"] = 1;
        }

        var error = Assert.Throws<InvalidPredictionInputException>(() => predictor.Predict(row));

        Assert.Contains($"'unknown-0-{new string('x', NameList.MaxLength - "unknown-0-".Length)}…'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"and {100_000 - NameList.MaxShown} more", error.Message, StringComparison.Ordinal);
        Assert.Contains($"column 'age' expects a number but got '{new string('z', NameList.MaxLength)}…'", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 2_000, $"The error is {error.Message.Length} characters long.");
    }

    [Fact]
    public void Predict_RejectsTextThatIsNotANumber_ForANumericColumn()
    {
        var predictor = ChurnPredictor();

        var error = Assert.Throws<InvalidPredictionInputException>(
            () => predictor.Predict(Row(("age", "abc"), ("income", 50), ("member", true), ("city", "Rome"))));

        Assert.Contains("column 'age' expects a number but got 'abc'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData(2.0)]
    public void Predict_RejectsANonBoolean_ForABooleanColumn(object member)
    {
        var predictor = ChurnPredictor();
        FeatureValue value = member is string text ? text : (double)member;

        var error = Assert.Throws<InvalidPredictionInputException>(
            () => predictor.Predict(Row(("age", 30), ("income", 50), ("member", value), ("city", "Rome"))));

        Assert.Contains("column 'member' expects a boolean (true/false, yes/no or 1/0)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_AcceptsTheLabelAndIgnoredColumns_AndLooseTypes()
    {
        var predictor = ChurnPredictor();
        var strict = predictor.Predict(Row(("age", 70), ("income", 30), ("member", false), ("city", "Rome")));

        var loose = predictor.Predict(Row(
            ("AGE", "70"), ("income", " 30 "), ("member", "no"), ("city", "Rome"), ("customer_id", 7), ("churned", "yes")));

        Assert.Equal(strict.Score, loose.Score);
        Assert.Equal(strict.Probabilities, loose.Probabilities);
        Assert.Equal(strict.Label, loose.Label);
        Assert.Equal(FeatureValue.FromString("yes"), strict.Label);
    }

    [Fact]
    public void Predict_AcceptsMissingValues_AndNumbersForCategories()
    {
        var predictor = ChurnPredictor();

        var prediction = predictor.Predict(Row(("age", FeatureValue.Missing), ("income", "NA"), ("member", FeatureValue.Missing), ("city", 3)));

        Assert.InRange(prediction.Probabilities!["yes"], 0, 1);
    }

    [Fact]
    public void Predict_GivesTheSameAnswers_FromPredictorsOnSeveralThreads()
    {
        var (frame, model) = Churn.Value;
        var loaded = Load(model);
        var rows = Enumerable.Range(0, frame.RowCount).Select(r => MlTestData.Row(frame, r)).ToArray();
        var expected = rows.Select(loaded.CreatePredictor().Predict).Select(p => p.Score).ToArray();

        var results = new double?[4][];
        Parallel.For(0, results.Length, t =>
        {
            var predictor = loaded.CreatePredictor();
            results[t] = [.. Enumerable.Range(0, 20).SelectMany(_ => rows).Select(r => predictor.Predict(r).Score)];
        });

        Assert.All(results, r => Assert.Equal(Enumerable.Range(0, 20).SelectMany(_ => expected), r));
    }

    [Fact]
    public void Predict_Works_ForColumnsNamedLikeThePipelinesOwnColumns()
    {
        var csv = new System.Text.StringBuilder("Features,Score,PredictedLabel,Label\n");
        var random = new Random(5);
        for (var i = 0; i < 200; i++)
        {
            var score = random.NextDouble();
            var group = i % 3 == 0 ? "a" : "b";
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{group},{score:F3},{(i % 2 == 0 ? "x" : "y")},{(score > 0.5 ^ group == "a" ? "up" : "down")}\n");
        }

        var frame = MlTestData.Frame(csv.ToString());
        var model = Trainer.Train(frame, MlTestData.Spec("Label", algorithm: TrainingAlgorithm.LightGbm), null, CancellationToken.None);
        var predictor = Load(model).CreatePredictor();

        var prediction = predictor.Predict(Row(("Features", "a"), ("Score", 0.9), ("PredictedLabel", "x")));

        Assert.Equal(FeatureValue.FromString("down"), prediction.Label);
        Assert.True(model.Metrics["accuracy"] > 0.9, $"accuracy {model.Metrics["accuracy"]:F3}");
    }

    [Fact]
    public void Predict_UsesFreeTextAndCategories_WithoutNumericInputs()
    {
        string[] good = ["great service and friendly staff", "really happy with the quick delivery", "friendly and helpful people"];
        string[] bad = ["terrible service and rude staff", "very slow delivery and broken box", "rude people never again"];
        var csv = new System.Text.StringBuilder("channel,review,satisfied\n");
        var random = new Random(9);
        for (var i = 0; i < 200; i++)
        {
            var happy = random.Next(2) == 0;
            var text = (happy ? good : bad)[random.Next(3)] + $" order {i}";
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{(i % 2 == 0 ? "web" : "shop")},{text},{(happy ? "yes" : "no")}\n");
        }

        var frame = MlTestData.Frame(csv.ToString());
        Assert.Equal(ColumnKind.Text, frame.Find("review")!.Kind);
        var model = Trainer.Train(frame, MlTestData.Spec("satisfied", algorithm: TrainingAlgorithm.Linear), null, CancellationToken.None);
        var predictor = Load(model).CreatePredictor();

        var prediction = predictor.Predict(Row(("channel", "web"), ("review", "rude staff and slow delivery")));

        Assert.Equal(["channel:Categorical", "review:Text"], model.Signature.Inputs.Select(i => $"{i.Name}:{i.Kind}").ToArray());
        Assert.Equal(FeatureValue.FromString("no"), prediction.Label);
        Assert.True(model.Metrics["accuracy"] > 0.9, $"accuracy {model.Metrics["accuracy"]:F3}");
    }

    private static ModelPredictor ChurnPredictor() => Load(Churn.Value.Model).CreatePredictor();

    private static LoadedModel Load(TrainedModel model) => LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature);

    private static ImmutableDictionary<string, FeatureValue> Row(params (string Name, FeatureValue Value)[] cells) =>
        cells.ToImmutableDictionary(c => c.Name, c => c.Value);
}
