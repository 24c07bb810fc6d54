namespace OrleansMl.Schedules;

/// <summary>
/// The held-out metric a schedule compares versions by: <c>auc</c> for binary classification (<c>accuracy</c> when a
/// test split had one class only), <c>microAccuracy</c> for multiclass, <c>rmse</c> for regression, where lower is better.
/// </summary>
public static class PrimaryMetric
{
    /// <summary>The primary metric of a version (by its resolved task), or the named one; null if the version lacks it.</summary>
    public static (string Name, double Value)? Of(ModelVersionInfo version, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(version);
        foreach (var candidate in name is null ? Names(version.Signature?.Task ?? version.Spec.Task) : [name])
        {
            if (version.Metrics.TryGetValue(candidate, out var value) && double.IsFinite(value))
            {
                return (candidate, value);
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="candidate"/> beats <paramref name="baseline"/> on <paramref name="metric"/> (strictly).</summary>
    public static bool Better(string metric, double candidate, double baseline) =>
        LowerIsBetter(metric) ? candidate < baseline : candidate > baseline;

    /// <summary>Whether a lower value of <paramref name="metric"/> is better (errors and losses).</summary>
    public static bool LowerIsBetter(string metric) => metric is "rmse" or "mae" or "logLoss";

    private static string[] Names(ModelTask task) => task switch
    {
        ModelTask.Binary => ["auc", "accuracy"],
        ModelTask.Multiclass => ["microAccuracy"],
        ModelTask.Regression => ["rmse"],
        _ => ["auc", "accuracy", "microAccuracy", "rmse"],
    };
}
