using System.Collections.Immutable;
using OrleansMl.Gateway.Api;

namespace OrleansMl.Gateway.Tests;

public sealed class VersionComparisonTests
{
    [Fact]
    public void Compare_NamesTheBetterVersionPerMetric_LowerWinsForErrorMetrics()
    {
        var baseline = Version(1, ModelTask.Binary, ("auc", 0.80), ("accuracy", 0.75), ("logLoss", 0.40));
        var candidate = Version(2, ModelTask.Binary, ("auc", 0.90), ("accuracy", 0.75), ("logLoss", 0.55));

        var comparison = VersionComparison.Compare(baseline, candidate);

        Assert.Equal(2, Metric(comparison, "auc").Better);
        Assert.Null(Metric(comparison, "accuracy").Better);
        Assert.Equal(1, Metric(comparison, "logLoss").Better);
        Assert.True(Metric(comparison, "logLoss").LowerIsBetter);
        Assert.Equal(0.10, Metric(comparison, "auc").Difference!.Value, 9);
        Assert.Equal("auc", comparison.PrimaryMetric);
        Assert.Equal(2, comparison.Better);
        Assert.Empty(comparison.Notes);
    }

    [Theory]
    [InlineData("rmse", 3.0, 2.0, 2)]
    [InlineData("mae", 1.0, 1.5, 1)]
    [InlineData("r2", 0.7, 0.9, 2)]
    public void Compare_Regression_DecidesOnRmse_AndKnowsWhichWayEachMetricPoints(string metric, double a, double b, int better)
    {
        var comparison = VersionComparison.Compare(
            Version(1, ModelTask.Regression, (metric, a), ("rmse", 3.0)),
            Version(2, ModelTask.Regression, (metric, b), ("rmse", metric == "rmse" ? b : 2.5)));

        Assert.Equal(better, Metric(comparison, metric).Better);
        Assert.Equal("rmse", comparison.PrimaryMetric);
        Assert.Equal(2, comparison.Better);
    }

    [Fact]
    public void Compare_NotesUnfinishedVersionsAndDifferentData()
    {
        var baseline = Version(1, ModelTask.Multiclass, ("macroAccuracy", 0.9));
        var candidate = Version(2, ModelTask.Multiclass) with
        {
            Status = TrainingStatus.Failed,
            Spec = baseline.Spec with { DatasetVersion = 2 },
        };

        var comparison = VersionComparison.Compare(baseline, candidate);

        Assert.Null(comparison.Better);
        Assert.Null(Metric(comparison, "macroAccuracy").Candidate);
        Assert.Contains(comparison.Notes, n => n.Contains("Version 2 is failed", StringComparison.Ordinal));
        Assert.Contains(comparison.Notes, n => n.Contains("different data", StringComparison.Ordinal));
    }

    private static MetricComparison Metric(VersionComparison comparison, string name) => comparison.Metrics.Single(m => m.Name == name);

    private static ModelVersionInfo Version(int version, ModelTask task, params (string Name, double Value)[] metrics) => new(
        "m", version, TrainingStatus.Succeeded, 1, "done",
        new TrainingSpec("d", 1, "hash", "y", task, TrainingAlgorithm.Linear, [], ImmutableDictionary<string, double>.Empty, 0.2, 42),
        "linear", metrics.ToImmutableDictionary(m => m.Name, m => m.Value), TrainingTimings.None, null, null, null,
        DateTimeOffset.UnixEpoch, null, null, 1);
}
