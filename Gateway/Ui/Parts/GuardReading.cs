namespace OrleansMl.Gateway.Ui.Parts;

/// <summary>
/// A rollout guard as the console shows it: the candidate's value of the guarded metric beside the threshold it must
/// stay within, read from the two arms' counts the rollout reports (the cluster decides; this only displays).
/// </summary>
/// <param name="Metric">The guarded metric.</param>
/// <param name="Value">The candidate's value; null before it has any.</param>
/// <param name="Threshold">The limit; null while it depends on a baseline value not known yet.</param>
/// <param name="HigherIsBetter">Whether the value must stay above the threshold (accuracy, AUC) rather than below.</param>
/// <param name="Samples">The candidate's samples the guard counts (labelled predictions or requests).</param>
/// <param name="MinSamples">Samples before the guard is checked.</param>
public sealed record GuardReading(string Metric, double? Value, double? Threshold, bool HigherIsBetter, long Samples, int MinSamples)
{
    /// <summary>Whether the value is past the threshold.</summary>
    public bool Breached => Value is { } v && Threshold is { } t && (HigherIsBetter ? v < t : v > t);

    /// <summary>Whether the guard has enough samples to be checked.</summary>
    public bool Checked => Samples >= MinSamples;

    /// <summary>The reading of <paramref name="rollout"/>'s guard, or null without one.</summary>
    public static GuardReading? Of(RolloutInfo rollout)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        if (rollout.Guard is not { } guard)
        {
            return null;
        }

        var baseline = rollout.Arms.FirstOrDefault(a => a.Arm == "baseline")?.Window;
        var candidate = rollout.Arms.FirstOrDefault(a => a.Arm == "candidate")?.Window;
        var labelled = candidate?.Labelled ?? 0;
        // A shadow candidate answers no request: its samples are the rows it scored beside the baseline.
        var requests = candidate is null ? 0 : candidate.Requests + candidate.Errors + candidate.ShadowCompared;
        return guard.Metric switch
        {
            "accuracy" => new(guard.Metric, candidate?.Accuracy, Below(baseline?.Accuracy, guard.MaxDrop), true, labelled, guard.MinSamples),
            "auc" => new(guard.Metric, candidate?.Auc, Below(baseline?.Auc, guard.MaxDrop), true, labelled, guard.MinSamples),
            "rmse" => new(guard.Metric, candidate?.Rmse, Above(baseline?.Rmse, guard.MaxDrop, guard.Max), false, labelled, guard.MinSamples),
            "mae" => new(guard.Metric, candidate?.Mae, Above(baseline?.Mae, guard.MaxDrop, guard.Max), false, labelled, guard.MinSamples),
            "errorRate" => new(guard.Metric, candidate?.ErrorRate, guard.Max, false, requests, guard.MinSamples),
            "p99" => new(guard.Metric, candidate?.P99Ms ?? candidate?.ShadowP99Ms, guard.Max, false, requests, guard.MinSamples),
            _ => new(guard.Metric, null, guard.Max, false, requests, guard.MinSamples),
        };
    }

    private static double? Below(double? baseline, double? maxDrop) => baseline is { } b && maxDrop is { } d ? b - d : null;

    private static double? Above(double? baseline, double? maxDrop, double? max) =>
        (baseline, maxDrop, max) switch
        {
            ({ } b, { } d, { } m) => Math.Min(b + d, m),
            ({ } b, { } d, null) => b + d,
            (_, _, { } m) => m,
            _ => null,
        };
}
