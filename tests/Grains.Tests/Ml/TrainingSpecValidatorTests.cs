using System.Collections.Immutable;
using OrleansMl.Ml;
using OrleansMl.Models;

namespace OrleansMl.Tests.Ml;

/// <summary>The one check of a training request, against the dataset version's schema, before anything is allocated.</summary>
public sealed class TrainingSpecValidatorTests
{
    private static readonly Lazy<DatasetVersionInfo> Churn = new(() => Version(MlTestData.BinaryCsv()));

    [Fact]
    public void Resolve_FillsInTheDefaults_AndPinsTheDatasetVersionAndHash()
    {
        var spec = TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned"), Churn.Value);

        Assert.Equal(("churn", 1, Churn.Value.ContentHash, "churned"), (spec.Dataset, spec.DatasetVersion, spec.DatasetHash, spec.Label));
        Assert.Equal((TrainingSpecValidator.DefaultTestFraction, TrainingSpecValidator.DefaultSeed), (spec.TestFraction, spec.Seed));
        Assert.Empty(spec.Features);
        Assert.Empty(spec.Parameters);
    }

    [Fact]
    public void AMissingLabel_IsRejected_ListingTheColumns()
    {
        var error = Reject(new TrainingRequest("churn", null, "churn"));

        Assert.Contains("has no column 'churn' to use as the label", error.Message, StringComparison.Ordinal);
        Assert.Contains("customer_id, age, income, member, city, churned", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFeatures_AreRejected_ListingTheColumns()
    {
        var error = Reject(new TrainingRequest("churn", null, "churned", Features: ["age", "agee", "sex"]));

        Assert.Contains("no columns 'agee', 'sex' to use as a feature", error.Message, StringComparison.Ordinal);
        Assert.Contains("customer_id, age, income", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLabelAsAFeature_OrAFeatureNamedTwice_IsRejected()
    {
        Assert.Contains("'churned' cannot also be a feature", Reject(new TrainingRequest("churn", null, "churned", Features: ["age", "churned"])).Message, StringComparison.Ordinal);
        Assert.Contains("'age' is listed more than once", Reject(new TrainingRequest("churn", null, "churned", Features: ["age", "age"])).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(0.95)]
    [InlineData(double.NaN)]
    public void ATestFractionOutOfRange_IsRejected(double fraction)
    {
        var error = Reject(new TrainingRequest("churn", null, "churned", TestFraction: fraction));

        Assert.Contains("testFraction must be between 0 and 0.9 (0 trains on every labelled row", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATestFractionOfZero_IsAccepted()
    {
        var spec = TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned", TestFraction: 0), Churn.Value);

        Assert.Equal(0, spec.TestFraction);
    }

    [Fact]
    public void UnknownParameters_AreRejected_NamingTheAllowedOnes_InAnyCase()
    {
        var error = Reject(new TrainingRequest("churn", null, "churned", Parameters: MlTestData.Parameters(("depth", 3), ("LEAVES", 8))));
        var accepted = TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned", Parameters: MlTestData.Parameters(("Iterations", 20), ("learningrate", 0.3))), Churn.Value);

        Assert.Contains("Unknown parameter 'depth'. Allowed parameters: trees (or iterations), leaves, learningRate, minLeaf, l1, l2, timeBudgetSeconds", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, accepted.Parameters.Count);
    }

    [Theory]
    [InlineData("member", "a boolean column")]
    [InlineData("city", "a categorical column")]
    public void Regression_OnALabelThatIsNotNumeric_IsRejected(string label, string kind)
    {
        var error = Reject(new TrainingRequest("churn", null, label, Task: ModelTask.Regression));

        Assert.Contains($"Task regression needs a numeric label, but '{label}' is {kind}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADatasetWhoseOnlyOtherColumnIsIgnored_NeedsFeaturesNamed()
    {
        var ids = Version("customer_id,churned\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"{1000 + i},{(i % 2 == 0 ? "yes" : "no")}\n")));

        var error = Assert.Throws<InvalidTrainingRequestException>(() => TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned"), ids));
        var named = TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned", Features: ["customer_id"]), ids);

        Assert.Contains("No usable feature columns", error.Message, StringComparison.Ordinal);
        Assert.Equal(["customer_id"], named.Features.ToArray());
    }

    [Fact]
    public void AMinLeafTooLargeToSplit_IsRejectedForATreeLearner_AndAWarningForAuto()
    {
        // 300 labelled rows, 240 of them left to train on by the default split.
        var error = Reject(new TrainingRequest("churn", null, "churned", Algorithm: TrainingAlgorithm.FastTree, Parameters: MlTestData.Parameters(("minLeaf", 121))));
        var largest = TrainingSpecValidator.Resolve(
            new TrainingRequest("churn", null, "churned", Algorithm: TrainingAlgorithm.LightGbm, Parameters: MlTestData.Parameters(("minLeaf", 120))), Churn.Value);
        var auto = TrainingSpecValidator.Resolve(
            new TrainingRequest("churn", null, "churned", Parameters: MlTestData.Parameters(("minLeaf", 500))), Churn.Value);

        Assert.Equal(
            "minLeaf 121 asks every leaf for at least 121 rows, but about 240 labelled rows are left to train on, fewer than the 242 a first split needs: "
            + "every tree would be one leaf, a model that predicts the same for every row. Give minLeaf at most 120.",
            error.Message);
        Assert.Null(largest.Warnings);
        Assert.Equal(
            "minLeaf 500 asks every leaf for at least 500 rows, but about 240 labelled rows are left to train on, fewer than the 1000 a first split needs, "
            + "so every tree candidate is one leaf that predicts the same for every row and only the linear candidate can learn; give minLeaf at most 120.",
            Assert.Single(auto.Warnings!));
    }

    [Theory]
    [InlineData(0.5, "testFraction 0.5 leaves about 6 of the 12 labelled rows to train on, and LightGBM needs at least 8 to be sure of a split: it splits only between bins of at least 3 rows each, and from fewer it often grows no tree at all, which fails the version. Give testFraction at most 0.33 (or 0 to train on every row), upload more rows, or use algorithm fasttree or linear, which train on so few rows.")]
    [InlineData(0.9, "testFraction 0.9 leaves about 2 of the 12 labelled rows to train on")]
    public void LightGbmClassification_OnTooFewTrainingRows_IsRejected_NamingTheRowsAndWhatToChange(double fraction, string expected)
    {
        var twelve = Version("x,y\n" + string.Concat(Enumerable.Range(0, 12).Select(i => $"{i},{i % 2}\n")));

        var error = Reject(new TrainingRequest("m", null, "y", Algorithm: TrainingAlgorithm.LightGbm, TestFraction: fraction), twelve);

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LightGbm_OnEnoughTrainingRows_OrARegression_AndOtherTreeLearnersOnFewRows_AreAccepted()
    {
        var twelve = Version("x,y\n" + string.Concat(Enumerable.Range(0, 12).Select(i => $"{i},{i % 2}\n")));
        var ten = Version("x,y\n" + string.Concat(Enumerable.Range(0, 10).Select(i => $"{i},{i % 2}\n")));
        var numbers = Version("x,y\n" + string.Concat(Enumerable.Range(0, 12).Select(i => $"{i},{i * 1.5}\n")));

        TrainingSpecValidator.Resolve(new TrainingRequest("m", null, "y", Algorithm: TrainingAlgorithm.LightGbm, TestFraction: 0.33), twelve);
        TrainingSpecValidator.Resolve(new TrainingRequest("m", null, "y", Algorithm: TrainingAlgorithm.LightGbm), ten);
        TrainingSpecValidator.Resolve(new TrainingRequest("m", null, "y", Task: ModelTask.Regression, Algorithm: TrainingAlgorithm.LightGbm, TestFraction: 0.9), numbers);
        TrainingSpecValidator.Resolve(new TrainingRequest("m", null, "y", Algorithm: TrainingAlgorithm.FastTree, TestFraction: 0.5), twelve);
        TrainingSpecValidator.Resolve(new TrainingRequest("m", null, "y", Algorithm: TrainingAlgorithm.FastForest, TestFraction: 0.9), twelve);
        Assert.Contains("or 0 to train on every row",
            Reject(new TrainingRequest("m", null, "y", Algorithm: TrainingAlgorithm.LightGbm, TestFraction: 0.5), ten).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.001, 150, "testFraction 0.001 holds out about 1 of the 150 labelled rows, so the version's metrics rest on that one row and can differ widely between versions that are equally good. For metrics to compare versions by, hold out more rows (testFraction 0.14 holds out about 20), or train with testFraction 0 and judge the version with evaluate on other data.")]
    [InlineData(0.2, 60, "testFraction 0.2 holds out about 12 of the 60 labelled rows, so the version's metrics rest on those 12 rows")]
    [InlineData(0.5, 20, "testFraction 0.5 holds out about 10 of the 20 labelled rows, so the version's metrics rest on those 10 rows and can differ widely between versions that are equally good. For metrics to compare versions by, hold out more rows (these 20 labelled rows are too few to hold out 20 and keep a tenth to learn from)")]
    [InlineData(0.2, 100, null)]
    [InlineData(0.0, 20, null)]
    public void AFewHeldOutRows_AreNamedInAWarning_AsTheMetricsRestOnThem(double fraction, int rows, string? expected)
    {
        var data = Version("x,label\n" + string.Concat(Enumerable.Range(0, rows).Select(i => $"{i},{(i % 2 == 0 ? "yes" : "no")}\n")));

        var spec = TrainingSpecValidator.Resolve(new TrainingRequest("m", null, "label", TestFraction: fraction), data);

        if (expected is null)
        {
            Assert.Null(spec.Warnings);
        }
        else
        {
            Assert.StartsWith(expected, Assert.Single(spec.Warnings!.Value), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FeaturesInferenceIgnored_NamedExplicitly_AreUsed_WithAWarningNamingEachAndWhy()
    {
        var data = Version("customer_id,code,age,churned\n"
            + string.Concat(Enumerable.Range(0, 100).Select(i => $"{1000 + i},C{i:00000},{20 + (i % 30)},{(i % 2 == 0 ? "yes" : "no")}\n")));

        var named = TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned", Features: ["customer_id", "code", "age"]), data);
        var usual = TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned", Features: ["age"]), data);
        var all = TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned"), data);

        Assert.Equal(["customer_id", "code", "age"], named.Features.ToArray());
        var warnings = named.Warnings!.Value;
        Assert.Equal(2, warnings.Length);
        Assert.StartsWith("Feature 'customer_id' is used as a number, as features names it, although schema inference marked it ignored: "
            + "its 100 values are distinct whole numbers and its name reads as an identifier.", warnings[0], StringComparison.Ordinal);
        Assert.StartsWith("Feature 'code' is used as a category, as features names it, although schema inference marked it ignored: "
            + "it has 100 distinct values in 100 cells", warnings[1], StringComparison.Ordinal);
        Assert.Null(usual.Warnings);
        Assert.Null(all.Warnings);
    }

    [Fact]
    public void AFeatureWithNoValues_NamedExplicitly_IsRefusedNamingIt()
    {
        var data = Version("notes,age,churned\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $",{20 + (i % 30)},{(i % 2 == 0 ? "yes" : "no")}\n")));

        var error = Reject(new TrainingRequest("churn", null, "churned", Features: ["age", "notes"]), data);

        Assert.Equal(
            "The feature 'notes' has no values in dataset 'churn' version 1: every one of its cells is empty, so there is nothing to learn from it. Remove it from features.",
            error.Message);
    }

    [Theory]
    [InlineData((ModelTask)9, "task 9 is not one of: auto, binary, multiclass, regression")]
    [InlineData(ModelTask.Auto, "label is required")]
    public void MalformedRequests_AreRejected_BeforeTheDatasetIsRead(ModelTask task, string expected)
    {
        var label = task == ModelTask.Auto ? " " : "churned";

        var error = Reject(new TrainingRequest("churn", null, label, Task: task));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSpecHash_IsTheSameForTheSameSpec_WhateverTheParameterOrder_AndDiffersOtherwise()
    {
        var one = TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned", Parameters: MlTestData.Parameters(("trees", 10), ("leaves", 4))), Churn.Value);
        var other = TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned", Parameters: MlTestData.Parameters(("leaves", 4), ("trees", 10))), Churn.Value);
        var seeded = one with { Seed = 7 };

        Assert.Equal(TrainingSpecHash.Of(one), TrainingSpecHash.Of(other));
        Assert.NotEqual(TrainingSpecHash.Of(one), TrainingSpecHash.Of(seeded));
        Assert.Equal(64, TrainingSpecHash.Of(one).Length);
    }

    [Theory]
    [InlineData("trees", 100, 101, "Parameter 'trees' must be a whole number between 1 and 100; got 101")]
    [InlineData("iterations", 100, 101, "Parameter 'iterations' must be a whole number between 1 and 100; got 101")]
    [InlineData("leaves", 64, 65, "Parameter 'leaves' must be a whole number between 2 and 64; got 65")]
    [InlineData("timeBudgetSeconds", 60, 60.5, "Parameter 'timeBudgetSeconds' must be between 0.5 and 60 (OrleansMl__MaxTrainingSeconds); got 60.5")]
    public void AParameter_AtItsLimit_IsAccepted_AndJustPastIt_IsRejectedNamingIt(string name, double atLimit, double past, string message)
    {
        var limits = TrainingLimits.Default with { MaxTrees = 100, MaxLeaves = 64, MaxTrainingSeconds = 60 };

        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned", Parameters: MlTestData.Parameters((name, atLimit))), Churn.Value, limits);
        var error = Assert.Throws<InvalidTrainingRequestException>(() => TrainingSpecValidator.Resolve(
            new TrainingRequest("churn", null, "churned", Parameters: MlTestData.Parameters((name, past))), Churn.Value, limits));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1e9, "got 1000000000")]
    [InlineData(2.5, "got 2.5")]
    [InlineData(0, "got 0")]
    public void TreesThatAreNotAWholeNumberInRange_AreRejected(double trees, string got)
    {
        var error = Reject(new TrainingRequest("churn", null, "churned", Algorithm: TrainingAlgorithm.FastTree, Parameters: MlTestData.Parameters(("trees", trees))));

        Assert.Contains("Parameter 'trees' must be a whole number between 1 and 10000", error.Message, StringComparison.Ordinal);
        Assert.Contains(got, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TreesTimesLeaves_AtTheLimit_IsAccepted_AndJustPastIt_IsRejected()
    {
        var limits = TrainingLimits.Default with { MaxTreeLeaves = 1000 };
        TrainingRequest Request(int leaves) => new("churn", null, "churned", Algorithm: TrainingAlgorithm.LightGbm, Parameters: MlTestData.Parameters(("trees", 100), ("leaves", leaves)));

        TrainingSpecValidator.Resolve(Request(10), Churn.Value, limits);
        var error = Assert.Throws<InvalidTrainingRequestException>(() => TrainingSpecValidator.Resolve(Request(11), Churn.Value, limits));

        Assert.Contains("trees × leaves would be 100 × 11 = 1100; at most 1000 are allowed (OrleansMl__MaxTreeLeaves)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TreesTimesLeaves_CountsTheLearnersDefault_ForTheValueNotGiven()
    {
        // LightGBM's default is 31 leaves: 40 trees make 1240.
        var limits = TrainingLimits.Default with { MaxTreeLeaves = 1240 };

        TrainingSpecValidator.Resolve(
            new TrainingRequest("churn", null, "churned", Algorithm: TrainingAlgorithm.LightGbm, Parameters: MlTestData.Parameters(("trees", 40))), Churn.Value, limits);
        var error = Assert.Throws<InvalidTrainingRequestException>(() => TrainingSpecValidator.Resolve(
            new TrainingRequest("churn", null, "churned", Algorithm: TrainingAlgorithm.LightGbm, Parameters: MlTestData.Parameters(("trees", 41))), Churn.Value, limits));

        Assert.Contains("41 × 31 = 1271", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TrainingAlgorithm.Linear, "leaves", "Parameter 'leaves' is not used by algorithm linear")]
    [InlineData(TrainingAlgorithm.FastForest, "learningRate", "Parameter 'learningRate' is not used by algorithm fastforest")]
    [InlineData(TrainingAlgorithm.FastTree, "l2", "Parameter 'l2' is not used by algorithm fasttree")]
    [InlineData(TrainingAlgorithm.FastForest, "l1", "Parameter 'l1' is not used by algorithm fastforest")]
    [InlineData(TrainingAlgorithm.Lda, "trees", "Parameter 'trees' is not used by algorithm lda")]
    [InlineData(TrainingAlgorithm.KernelRidge, "l2", "Parameter 'l2' is not used by algorithm kernelridge")]
    public void AParameterTheAlgorithmDoesNotUse_IsRejected(TrainingAlgorithm algorithm, string parameter, string message)
    {
        var error = Reject(new TrainingRequest("churn", null, "churned", Algorithm: algorithm, Parameters: MlTestData.Parameters((parameter, 1))));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Discriminant analysis fits classes, two or more: a regression target is refused when the request arrives, naming
    /// the label and what to choose instead; and so is data wider than it takes.
    /// </summary>
    [Fact]
    public void Lda_OnARegression_OrTooManyFeatures_IsRejected_SayingWhatToChoose()
    {
        var classes = Version(MlTestData.MulticlassCsv());
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "species", Algorithm: TrainingAlgorithm.Lda), classes);
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "species", Task: ModelTask.Multiclass, Algorithm: TrainingAlgorithm.Lda), classes);
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned", Algorithm: TrainingAlgorithm.Lda), Churn.Value);

        Assert.Equal(
            "Algorithm lda is for a label of classes, and 'age' is a regression target: choose linear, which fits a linear model to it, or auto.",
            Reject(new TrainingRequest("churn", null, "age", Task: ModelTask.Regression, Algorithm: TrainingAlgorithm.Lda)).Message);
        Assert.Contains("'age' is a regression target", Reject(new TrainingRequest("churn", null, "age", Algorithm: TrainingAlgorithm.Lda)).Message, StringComparison.Ordinal);

        // 501 numbers, one slot each.
        var columns = Enumerable.Range(0, DiscriminantAnalysis.MaxFeatures + 1).Select(c => $"x{c}").ToList();
        var wide = Version(string.Join(",", columns) + ",label\n"
            + string.Concat(Enumerable.Range(0, 30).Select(r => string.Join(",", columns.Select((_, c) => (r * c) % 11)) + $",c{r % 3}\n")));
        var tooWide = Reject(new TrainingRequest("churn", null, "label", Algorithm: TrainingAlgorithm.Lda), wide);
        Assert.Equal(
            $"Algorithm lda takes at most {DiscriminantAnalysis.MaxFeatures} features after one-hot, hashed and text featurization; these would be {DiscriminantAnalysis.MaxFeatures + 1} wide. "
            + "Name fewer features, or choose linear or auto.",
            tooWide.Message);
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "label", Algorithm: TrainingAlgorithm.Lda, Features: [.. columns.Skip(1)]), wide);
    }

    /// <summary>
    /// Kernel ridge regression fits a regression target: a label of classes is refused when the request arrives, naming
    /// the label and what to choose instead; and so is data wider than it takes.
    /// </summary>
    [Fact]
    public void KernelRidge_OnClasses_OrTooManyFeatures_IsRejected_SayingWhatToChoose()
    {
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "age", Algorithm: TrainingAlgorithm.KernelRidge), Churn.Value);
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "age", Task: ModelTask.Regression, Algorithm: TrainingAlgorithm.KernelRidge), Churn.Value);

        Assert.Equal(
            "Algorithm kernelridge is for a regression target, and 'churned' is a label of classes: choose lda, linear or auto for it.",
            Reject(new TrainingRequest("churn", null, "churned", Algorithm: TrainingAlgorithm.KernelRidge)).Message);
        Assert.Contains("'species' is a label of classes",
            Reject(new TrainingRequest("churn", null, "species", Task: ModelTask.Multiclass, Algorithm: TrainingAlgorithm.KernelRidge), Version(MlTestData.MulticlassCsv())).Message,
            StringComparison.Ordinal);

        // 809 numbers, one slot each.
        var columns = Enumerable.Range(0, KernelRidge.MaxFeatures + 1).Select(c => $"x{c}").ToList();
        var wide = Version(string.Join(",", columns) + ",label\n"
            + string.Concat(Enumerable.Range(0, 30).Select(r => string.Join(",", columns.Select((_, c) => (r * c) % 11)) + $",{r * 1.5}\n")));
        var tooWide = Reject(new TrainingRequest("churn", null, "label", Algorithm: TrainingAlgorithm.KernelRidge), wide);
        Assert.Equal(
            $"Algorithm kernelridge takes at most {KernelRidge.MaxFeatures} features after one-hot, hashed and text featurization; these would be {KernelRidge.MaxFeatures + 1} wide. "
            + "Name fewer features, or choose linear or auto.",
            tooWide.Message);
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "label", Algorithm: TrainingAlgorithm.KernelRidge, Features: [.. columns.Skip(1)]), wide);
    }

    [Fact]
    public void Binary_OnALabelWithMoreThanTwoValues_IsRejected_NamingTheCount()
    {
        var error = Reject(new TrainingRequest("churn", null, "city", Task: ModelTask.Binary));

        Assert.Contains("Task binary needs a label with exactly two values, but 'city' has 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALabelWithOneValue_OrMoreClassesThanAllowed_IsRejected()
    {
        var constant = Version("x,label\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"{i},same\n")));
        var ids = Version("x,label\n" + string.Concat(Enumerable.Range(0, 1500).Select(i => $"{i % 7},k{i}\n")));

        var one = Assert.Throws<InvalidTrainingRequestException>(() => TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "label"), constant));
        var many = Assert.Throws<InvalidTrainingRequestException>(() => TrainingSpecValidator.Resolve(
            new TrainingRequest("churn", null, "label", Task: ModelTask.Multiclass, Features: ["x"]), ids));

        Assert.Contains("has only one value", one.Message, StringComparison.Ordinal);
        Assert.Contains("'label' has 1500 different values; classification supports at most 1000 classes", many.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AClassificationLabel_WithADifferentValueInEveryRow_IsRejected_AsAnIdentifier()
    {
        var ids = Version("x,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i % 7},r{i}\n")));
        var numbers = Version("x,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i % 7},{i * 1.5}\n")));

        var auto = Assert.Throws<InvalidTrainingRequestException>(() => TrainingSpecValidator.Resolve(new TrainingRequest("d", null, "label", Features: ["x"]), ids));
        var multiclass = Assert.Throws<InvalidTrainingRequestException>(() => TrainingSpecValidator.Resolve(
            new TrainingRequest("d", null, "label", Task: ModelTask.Multiclass), numbers));

        Assert.Equal(
            "The label column 'label' has a different value in each of its 40 rows, as an identifier has, so no class has a second row to learn it from. Choose another label.",
            auto.Message);
        Assert.EndsWith("Use task regression for a numeric target, or choose another label.", multiclass.Message, StringComparison.Ordinal);

        // The same numbers as a regression target are fine, and so is a class label with one repeated value.
        TrainingSpecValidator.Resolve(new TrainingRequest("d", null, "label"), numbers);
        var oneRepeat = Version("x,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i % 7},r{Math.Min(i, 38)}\n")));
        TrainingSpecValidator.Resolve(new TrainingRequest("d", null, "label", Task: ModelTask.Multiclass, Features: ["x"]), oneRepeat);
    }

    [Fact]
    public void FeatureWidth_CountsOneSlotPerNumber_OnePerCategory_HashedSlots_AndTextSlots()
    {
        ColumnInfo Column(string name, ColumnKind kind, long distinct, double? min = null) => new(name, kind, 100, 0, distinct, min, null, null, null, []);

        Assert.Equal(1 + 1 + 4 + 16_384 + 20_000 + 1 + 16_384, TrainingSpecValidator.FeatureWidth(
        [
            Column("age", ColumnKind.Numeric, 50, 1),
            Column("member", ColumnKind.Boolean, 2),
            Column("city", ColumnKind.Categorical, 4),
            Column("zip", ColumnKind.Categorical, 5000),
            Column("review", ColumnKind.Text, 90),
            Column("id", ColumnKind.Ignored, 100, 1),
            Column("token", ColumnKind.Ignored, 5000),
        ]));
    }

    [Fact]
    public void TheFeatureWidth_AtTheLimit_IsAccepted_AndJustPastIt_IsRejected_NamingTheWidestColumns()
    {
        // age 1 + income 1 + member 1 + city 4.
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned"), Churn.Value, TrainingLimits.Default with { MaxFeatureWidth = 7 });
        var error = Assert.Throws<InvalidTrainingRequestException>(() => TrainingSpecValidator.Resolve(
            new TrainingRequest("churn", null, "churned"), Churn.Value, TrainingLimits.Default with { MaxFeatureWidth = 6 }));

        Assert.Contains("The features would be 7 slots wide", error.Message, StringComparison.Ordinal);
        Assert.Contains("at most 6 are allowed (OrleansMl__MaxFeatureWidth). Widest: 'city' 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADeletedDatasetVersion_CannotBeTrainedOn()
    {
        var deleted = Churn.Value with { DeletedAt = DateTimeOffset.UnixEpoch };

        var error = Assert.Throws<DatasetNotFoundException>(() => TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned"), deleted));

        Assert.Contains("Dataset 'churn' version 1 was deleted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRequestHash_IgnoresTheIdempotencyKey_AndTellsDifferentRequestsApart()
    {
        var request = new TrainingRequest("churn", null, "churned", Parameters: MlTestData.Parameters(("trees", 10), ("leaves", 4)));

        Assert.Equal(TrainingSpecHash.OfRequest(request), TrainingSpecHash.OfRequest(request with { IdempotencyKey = "k1" }));
        Assert.Equal(
            TrainingSpecHash.OfRequest(request),
            TrainingSpecHash.OfRequest(request with { Parameters = MlTestData.Parameters(("LEAVES", 4), ("trees", 10)) }));
        Assert.NotEqual(TrainingSpecHash.OfRequest(request), TrainingSpecHash.OfRequest(request with { DatasetVersion = 1 }));
        Assert.NotEqual(TrainingSpecHash.OfRequest(request), TrainingSpecHash.OfRequest(request with { Seed = 7 }));

        // A setting spelled out at its default is the setting left out.
        Assert.Equal(TrainingSpecHash.OfRequest(request), TrainingSpecHash.OfRequest(request with { Seed = TrainingSpecValidator.DefaultSeed }));
        Assert.Equal(
            TrainingSpecHash.OfRequest(request),
            TrainingSpecHash.OfRequest(request with { TestFraction = TrainingSpecValidator.DefaultTestFraction }));
    }

    [Fact]
    public void TheWallClockLimit_IsTheBudgetForAnExplicitAlgorithm_TwiceItForAuto_AndNeverAboveTheSetting()
    {
        var limits = TrainingLimits.Default with { MaxTrainingSeconds = 100 };
        TrainingSpec Spec(TrainingAlgorithm algorithm, double? budget) => MlTestData.Spec(
            "churned", algorithm: algorithm, parameters: budget is { } b ? MlTestData.Parameters(("timeBudgetSeconds", b)) : ImmutableDictionary<string, double>.Empty);

        Assert.Equal(TimeSpan.FromSeconds(100), limits.WallClock(Spec(TrainingAlgorithm.LightGbm, null)));
        Assert.Equal(TimeSpan.FromSeconds(5), limits.WallClock(Spec(TrainingAlgorithm.LightGbm, 5)));
        Assert.Equal(TimeSpan.FromSeconds(35), limits.WallClock(Spec(TrainingAlgorithm.Auto, 5)));
        Assert.Equal(TimeSpan.FromSeconds(80), limits.WallClock(Spec(TrainingAlgorithm.Auto, 40)));
        Assert.Equal(TimeSpan.FromSeconds(100), limits.WallClock(Spec(TrainingAlgorithm.Auto, 90)));
    }

    [Theory]
    [InlineData(ModelTask.Regression, TrainingAlgorithm.Linear, 0, ", or choose lightgbm.")]
    [InlineData(ModelTask.Auto, TrainingAlgorithm.Linear, 1e-300, ", or choose lightgbm.")]
    [InlineData(ModelTask.Regression, TrainingAlgorithm.Auto, 0, "; auto applies both to its linear candidates.")]
    public void L1_WithoutL2_ForALinearRegression_IsRejected_SayingWhy(ModelTask task, TrainingAlgorithm algorithm, double l2, string ending)
    {
        var prices = Version(MlTestData.RegressionCsv());

        var error = Reject(new TrainingRequest("churn", null, "price", task, algorithm, Parameters: MlTestData.Parameters(("l1", 0.5), ("l2", l2))), prices);

        Assert.Contains("Parameter 'l1' above 0 needs 'l2' of at least 0.000001 for a linear regression: its learner (SDCA) sets the L1 penalty as a multiple of the L2 one", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(ending, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void L1_IsAccepted_WhereALearnerUsesIt()
    {
        var prices = Version(MlTestData.RegressionCsv());
        var l1 = MlTestData.Parameters(("l1", 0.5));

        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned", Algorithm: TrainingAlgorithm.Linear, Parameters: l1), Churn.Value);
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "price", Algorithm: TrainingAlgorithm.Linear, Parameters: l1), prices);
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "price", Algorithm: TrainingAlgorithm.LightGbm, Parameters: l1), prices);
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "price", Algorithm: TrainingAlgorithm.Auto, Parameters: l1), prices);
        // l1 0 with l2 0 is no L1 term at all; a classifier's L1 term does not depend on its L2 one; nor does LightGBM's.
        var both = MlTestData.Parameters(("l1", 0), ("l2", 0));
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "price", Algorithm: TrainingAlgorithm.Linear, Parameters: both), prices);
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "price", Algorithm: TrainingAlgorithm.Linear, Parameters: MlTestData.Parameters(("l1", 0.5), ("l2", 1e-6))), prices);
        var l1Only = MlTestData.Parameters(("l1", 0.5), ("l2", 0));
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned", Algorithm: TrainingAlgorithm.Linear, Parameters: l1Only), Churn.Value);
        TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "price", Algorithm: TrainingAlgorithm.LightGbm, Parameters: l1Only), prices);
    }

    private static InvalidTrainingRequestException Reject(TrainingRequest request, DatasetVersionInfo? dataset = null) =>
        Assert.Throws<InvalidTrainingRequestException>(() => TrainingSpecValidator.Resolve(request, dataset ?? Churn.Value));

    private static DatasetVersionInfo Version(string csv)
    {
        var frame = MlTestData.Frame(csv);
        return new DatasetVersionInfo("churn", 1, frame.RowCount, frame.Schema, new string('a', 64), csv.Length, DateTimeOffset.UnixEpoch);
    }
}
