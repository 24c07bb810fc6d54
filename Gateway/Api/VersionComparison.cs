using System.Collections.Immutable;

namespace OrleansMl.Gateway.Api;

/// <summary>Two versions of a model side by side: every held-out metric, and which version is better on each.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Baseline">The version compared against (often the one production serves).</param>
/// <param name="Candidate">The version that may replace it.</param>
/// <param name="Metrics">Each metric either version has, with both values and the better version.</param>
/// <param name="PrimaryMetric">The metric that decides <paramref name="Better"/>: auc (binary), macroAccuracy (multiclass), rmse (regression).</param>
/// <param name="Better">The version that wins on the primary metric; null on a tie or when it cannot be compared.</param>
/// <param name="Notes">Caveats: unfinished versions, different datasets or tasks.</param>
public sealed record VersionComparison(
    string Model,
    ComparedVersion Baseline,
    ComparedVersion Candidate,
    ImmutableArray<MetricComparison> Metrics,
    string? PrimaryMetric,
    int? Better,
    ImmutableArray<string> Notes)
{
    private static readonly ImmutableHashSet<string> LowerIsBetterMetrics =
        ImmutableHashSet.Create(StringComparer.OrdinalIgnoreCase, "logLoss", "rmse", "mae", "mse");

    /// <summary>True for error metrics (logLoss, rmse, mae, mse), where the smaller value wins.</summary>
    public static bool LowerIsBetter(string metric) => LowerIsBetterMetrics.Contains(metric);

    public static VersionComparison Compare(ModelVersionInfo baseline, ModelVersionInfo candidate)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidate);
        var metrics = baseline.Metrics.Keys.Union(candidate.Metrics.Keys, StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(name => Metric(name, baseline, candidate))
            .ToImmutableArray();

        var notes = ImmutableArray.CreateBuilder<string>();
        foreach (var v in new[] { baseline, candidate }.Where(v => v.Status != TrainingStatus.Succeeded))
        {
            notes.Add($"Version {v.Version} is {EnumWords.Word(v.Status)}: it has no final metrics.");
        }

        if (baseline.Spec.Dataset != candidate.Spec.Dataset || baseline.Spec.DatasetVersion != candidate.Spec.DatasetVersion)
        {
            notes.Add($"The versions were evaluated on different data ({baseline.Spec.Dataset} v{baseline.Spec.DatasetVersion} vs {candidate.Spec.Dataset} v{candidate.Spec.DatasetVersion}), so the metrics are only roughly comparable.");
        }

        var task = TaskOf(candidate);
        if (task != TaskOf(baseline))
        {
            notes.Add($"The versions solve different tasks ({EnumWords.Word(TaskOf(baseline))} vs {EnumWords.Word(task)}).");
        }

        var primary = task switch
        {
            ModelTask.Binary => "auc",
            ModelTask.Multiclass => "macroAccuracy",
            ModelTask.Regression => "rmse",
            _ => null,
        };
        var better = metrics.FirstOrDefault(m => m.Name == primary)?.Better;
        return new VersionComparison(baseline.Model, ComparedVersion.From(baseline), ComparedVersion.From(candidate), metrics, primary, better, notes.ToImmutable());
    }

    private static MetricComparison Metric(string name, ModelVersionInfo baseline, ModelVersionInfo candidate)
    {
        double? a = baseline.Metrics.TryGetValue(name, out var x) ? x : null;
        double? b = candidate.Metrics.TryGetValue(name, out var y) ? y : null;
        var lower = LowerIsBetter(name);
        int? better = a is { } va && b is { } vb && va != vb
            ? (vb < va) == lower ? candidate.Version : baseline.Version
            : null;
        return new MetricComparison(name, a, b, b - a, lower, better);
    }

    private static ModelTask TaskOf(ModelVersionInfo version) => version.Signature?.Task ?? version.Spec.Task;
}

/// <summary>What identifies one side of a comparison.</summary>
/// <param name="Version">Version number.</param>
/// <param name="Status">Job status.</param>
/// <param name="Algorithm">Learner actually used.</param>
/// <param name="Task">Prediction task.</param>
/// <param name="Dataset">Dataset trained on.</param>
/// <param name="DatasetVersion">Dataset version trained on.</param>
public sealed record ComparedVersion(int Version, TrainingStatus Status, string? Algorithm, ModelTask Task, string Dataset, int DatasetVersion)
{
    public static ComparedVersion From(ModelVersionInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new(info.Version, info.Status, info.Algorithm, info.Signature?.Task ?? info.Spec.Task, info.Spec.Dataset, info.Spec.DatasetVersion);
    }
}

/// <summary>One metric of both versions.</summary>
/// <param name="Name">Metric name (accuracy, auc, f1, logLoss, microAccuracy, macroAccuracy, rmse, mae, r2).</param>
/// <param name="Baseline">The baseline's value.</param>
/// <param name="Candidate">The candidate's value.</param>
/// <param name="Difference">Candidate minus baseline.</param>
/// <param name="LowerIsBetter">True for error metrics (logLoss, rmse, mae).</param>
/// <param name="Better">The version with the better value; null on a tie or when a value is missing.</param>
public sealed record MetricComparison(string Name, double? Baseline, double? Candidate, double? Difference, bool LowerIsBetter, int? Better);
