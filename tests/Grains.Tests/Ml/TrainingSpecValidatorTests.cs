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
    [InlineData(0)]
    [InlineData(0.95)]
    [InlineData(double.NaN)]
    public void ATestFractionOutOfRange_IsRejected(double fraction)
    {
        var error = Reject(new TrainingRequest("churn", null, "churned", TestFraction: fraction));

        Assert.Contains("testFraction must be greater than 0 and at most 0.9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownParameters_AreRejected_NamingTheAllowedOnes_InAnyCase()
    {
        var error = Reject(new TrainingRequest("churn", null, "churned", Parameters: MlTestData.Parameters(("depth", 3), ("LEAVES", 8))));
        var accepted = TrainingSpecValidator.Resolve(new TrainingRequest("churn", null, "churned", Parameters: MlTestData.Parameters(("Iterations", 20), ("learningrate", 0.3))), Churn.Value);

        Assert.Contains("Unknown parameter 'depth'. Allowed parameters: trees (or iterations), leaves, learningRate, minLeaf, l2, timeBudgetSeconds", error.Message, StringComparison.Ordinal);
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

    private static InvalidTrainingRequestException Reject(TrainingRequest request) =>
        Assert.Throws<InvalidTrainingRequestException>(() => TrainingSpecValidator.Resolve(request, Churn.Value));

    private static DatasetVersionInfo Version(string csv)
    {
        var frame = MlTestData.Frame(csv);
        return new DatasetVersionInfo("churn", 1, frame.RowCount, frame.Schema, new string('a', 64), csv.Length, DateTimeOffset.UnixEpoch);
    }
}
