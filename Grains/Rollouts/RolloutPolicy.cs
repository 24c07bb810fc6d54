using System.Collections.Immutable;
using System.Globalization;

namespace OrleansMl.Rollouts;

/// <summary>
/// Every decision of a running rollout, as a pure function of its state, the arms' counts and the time: so the same
/// counts always give the same decision, and tests drive it with a fake clock.
/// </summary>
public static class RolloutPolicy
{
    public const string Accuracy = "accuracy";
    public const string Auc = "auc";
    public const string Rmse = "rmse";
    public const string Mae = "mae";
    public const string ErrorRate = "errorRate";
    public const string P99 = "p99";

    public static readonly ImmutableArray<string> Metrics = [Accuracy, Auc, Rmse, Mae, ErrorRate, P99];
    public static readonly ImmutableArray<int> DefaultSteps = [10, 50, 100];

    /// <summary>The longest <c>stepAfter.duration</c>: as long as a schedule's longest period.</summary>
    public static readonly TimeSpan MaxStepDuration = ScheduleRequest.MaxEvery;

    /// <summary>What the counts of a running rollout show.</summary>
    /// <param name="Baseline">The baseline's counts since the rollout started.</param>
    /// <param name="Candidate">The candidate's counts since the rollout started.</param>
    /// <param name="CandidateThisStep">The candidate's counts since its current step started.</param>
    public sealed record Observation(HealthCounts Baseline, HealthCounts Candidate, HealthCounts CandidateThisStep);

    /// <summary>A decision: advance (to <paramref name="Weight"/>), promote or rollback, with its reason.</summary>
    public sealed record Decision(string Action, int Weight, string Reason, string? Metric = null, double? CandidateValue = null, double? BaselineValue = null);

    /// <summary>Checks a rollout request; the message names the field and what it takes.</summary>
    public static void Validate(RolloutRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Enum.IsDefined(request.Mode))
        {
            throw new InvalidRolloutException("mode must be canary or shadow.");
        }

        var steps = request.Steps.IsDefaultOrEmpty ? DefaultSteps : request.Steps;
        for (var i = 0; i < steps.Length; i++)
        {
            if (steps[i] is < 1 or > 100 || (i > 0 && steps[i] <= steps[i - 1]))
            {
                throw new InvalidRolloutException($"steps must be weights from 1 to 100 in ascending order (got [{string.Join(", ", steps)}]).");
            }
        }

        if (request.Mode == RolloutMode.Canary && steps[^1] != 100)
        {
            throw new InvalidRolloutException($"steps must end at 100, where the candidate is promoted (got [{string.Join(", ", steps)}]).");
        }

        if (request.Weight is { } weight && weight is < 1 or > 99)
        {
            throw new InvalidRolloutException($"weight must be between 1 and 99 percent (got {weight}); the candidate is promoted at 100.");
        }

        if (request.StepAfter?.Samples is < 1)
        {
            throw new InvalidRolloutException(string.Create(CultureInfo.InvariantCulture,
                $"stepAfter.samples must be at least 1 (got {request.StepAfter.Samples})."));
        }

        if (request.StepAfter?.Duration is { } duration && duration < TimeSpan.Zero)
        {
            throw new InvalidRolloutException(string.Create(CultureInfo.InvariantCulture,
                $"stepAfter.duration must not be negative (got {duration.TotalSeconds} seconds)."));
        }

        if (request.StepAfter?.Duration is { } longest && longest > MaxStepDuration)
        {
            // A step that can never end holds the alias for the rollout's lifetime: the cap is a schedule's longest period.
            throw new InvalidRolloutException(string.Create(CultureInfo.InvariantCulture,
                $"stepAfter.duration must be at most {MaxStepDuration.Days} days (got {longest.TotalSeconds:0.###} seconds); a rollout advances once every step has lasted it."));
        }

        if (request.StickyBy is { Length: 0 or > 256 })
        {
            throw new InvalidRolloutException("stickyBy must name an input column (1 to 256 characters).");
        }

        if (request.Guard is { } guard)
        {
            ValidateGuard(guard);
            if (request.Mode == RolloutMode.Shadow && guard.Metric is not (ErrorRate or P99))
            {
                // A shadow's answers are never returned, so no feedback scores them: only its errors and its time can be held.
                throw new InvalidRolloutException(
                    $"guard.metric '{Names.Shown(guard.Metric)}' cannot guard a shadow rollout, whose answers get no feedback: use errorRate or p99.");
            }
        }
    }

    /// <summary>
    /// Checks a guard, of a rollout or an alias: a known metric, its threshold and no other, numbers it can be held to
    /// (a drop in accuracy or AUC beyond 1, or an error rate of 1 or more, could never be breached).
    /// </summary>
    public static void ValidateGuard(RolloutGuard guard)
    {
        ArgumentNullException.ThrowIfNull(guard);
        if (!Metrics.Contains(guard.Metric))
        {
            throw new InvalidRolloutException($"guard.metric '{Names.Shown(guard.Metric)}' is not one of {string.Join(", ", Metrics)}.");
        }

        if (guard.MinSamples < 1)
        {
            throw new InvalidRolloutException($"guard.minSamples must be at least 1 (got {guard.MinSamples}).");
        }

        var relative = guard.Metric is Accuracy or Auc or Rmse or Mae;
        if ((guard.MaxDrop is null && guard.Max is null) || (guard.Metric is Accuracy or Auc && guard.MaxDrop is null) || (!relative && guard.Max is null))
        {
            throw new InvalidRolloutException(guard.Metric switch
            {
                Accuracy => "guard.maxDrop is required for accuracy: how far below the baseline's accuracy the candidate may fall, e.g. 0.02.",
                Auc => "guard.maxDrop is required for auc: how far below the baseline's AUC (from feedback) the candidate may fall, e.g. 0.02.",
                Rmse or Mae => $"guard.maxDrop (how far above the baseline's {guard.Metric} the candidate may rise) or guard.max is required.",
                ErrorRate => "guard.max is required for errorRate: the highest share of failed requests, e.g. 0.01.",
                _ => "guard.max is required for p99: the highest 99th percentile latency in milliseconds, e.g. 50.",
            });
        }

        if (guard.Metric is Accuracy or Auc && guard.Max is not null)
        {
            throw new InvalidRolloutException($"guard.max is not taken for {guard.Metric}, which is held against the baseline's: give guard.maxDrop alone.");
        }

        if (!relative && guard.MaxDrop is not null)
        {
            throw new InvalidRolloutException($"guard.maxDrop is not taken for {guard.Metric}, which has no baseline to drop from: give guard.max alone.");
        }

        foreach (var (field, value) in new[] { ("guard.maxDrop", guard.MaxDrop), ("guard.max", guard.Max) })
        {
            if (value is { } number && !(double.IsFinite(number) && number >= 0))
            {
                throw new InvalidRolloutException(string.Create(CultureInfo.InvariantCulture,
                    $"{field} must be a finite number, not negative (got {number})."));
            }
        }

        if (guard.Metric is Accuracy or Auc && guard.MaxDrop > 1)
        {
            throw new InvalidRolloutException(string.Create(CultureInfo.InvariantCulture,
                $"guard.maxDrop for {guard.Metric} must be at most 1 (got {guard.MaxDrop}): {guard.Metric} is between 0 and 1, so a larger drop could never be breached."));
        }

        if (guard.Metric == ErrorRate && guard.Max >= 1)
        {
            throw new InvalidRolloutException(string.Create(CultureInfo.InvariantCulture,
                $"guard.max for errorRate must be below 1 (got {guard.Max}): it is the share of failed requests, e.g. 0.01 for 1%."));
        }

        var slowest = HealthCounts.LatencyBoundsMs[^1];
        if (guard.Metric == P99 && guard.Max >= slowest)
        {
            throw new InvalidRolloutException(string.Create(CultureInfo.InvariantCulture,
                $"guard.max for p99 must be below {slowest} ms (got {guard.Max}): latencies are counted in buckets up to {slowest} ms, and a slower request counts as {slowest}, so a larger limit could never be breached."));
        }
    }

    /// <summary>
    /// The metrics a guard can watch on a version of <paramref name="task"/>: feedback scores a classifier's label
    /// (accuracy; AUC from a binary model's probabilities) and a regression's value (rmse, mae), and every request gives
    /// its errors and latency. A metric outside this list stays empty for that version, so its guard would never fire.
    /// </summary>
    public static ImmutableArray<string> MetricsFor(ModelTask task) => task switch
    {
        ModelTask.Binary => [Accuracy, Auc, ErrorRate, P99],
        ModelTask.Multiclass => [Accuracy, ErrorRate, P99],
        ModelTask.Regression => [Rmse, Mae, ErrorRate, P99],
        _ => Metrics,
    };

    /// <summary>
    /// Checks that <paramref name="guard"/> watches a metric measured for every version it judges (their tasks; a
    /// version whose task is not known, <see cref="ModelTask.Auto"/>, is not checked).
    /// </summary>
    public static void ValidateGuardFor(RolloutGuard guard, string model, IEnumerable<(int Version, ModelTask Task)> versions)
    {
        ArgumentNullException.ThrowIfNull(guard);
        ArgumentNullException.ThrowIfNull(versions);
        foreach (var group in versions.Where(v => v.Task != ModelTask.Auto).GroupBy(v => v.Task))
        {
            var numbers = group.Select(v => v.Version).Distinct().Order().ToList();
            var which = numbers.Count == 1
                ? $"version {numbers[0]} of model '{model}', a {EnumWords.Word(group.Key)} model"
                : $"versions {string.Join(", ", numbers.SkipLast(1))} and {numbers[^1]} of model '{model}', {EnumWords.Word(group.Key)} models";
            ValidateGuardFor(guard, group.Key, which);
        }
    }

    /// <summary>
    /// Checks that <paramref name="guard"/> watches a metric measured for a version of <paramref name="task"/>;
    /// <paramref name="which"/> names those versions and their task in the message.
    /// </summary>
    public static void ValidateGuardFor(RolloutGuard guard, ModelTask task, string which)
    {
        ArgumentNullException.ThrowIfNull(guard);
        var offered = MetricsFor(task);
        if (offered.Contains(guard.Metric))
        {
            return;
        }

        throw new InvalidRolloutException(
            $"guard.metric '{Names.Shown(guard.Metric)}' is never measured for {which}, so the guard would never be checked: "
            + $"a {EnumWords.Word(task)} model's guard can watch {string.Join(", ", offered.SkipLast(1))} or {offered[^1]}.");
    }

    /// <summary>The first weight and the steps of a validated request.</summary>
    public static (int Weight, ImmutableArray<int> Steps) Start(RolloutRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var steps = request.Steps.IsDefaultOrEmpty ? DefaultSteps : request.Steps;
        if (request.Mode == RolloutMode.Shadow)
        {
            return (0, []);
        }

        return (request.Weight ?? Math.Min(steps[0], 99), steps);
    }

    /// <summary>The decision for <paramref name="state"/> now, or null to hold.</summary>
    public static Decision? Decide(RolloutState state, Observation observed, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(observed);
        if (!state.IsRunning)
        {
            return null;
        }

        if (state.Guard is { } guard && Breach(guard, observed) is { } breach)
        {
            return breach with { Weight = 0 };
        }

        if (state.Mode == RolloutMode.Shadow || state.NextSteps.FirstOrDefault() is not (> 0 and var next))
        {
            return null;
        }

        var after = state.StepAfter ?? new RolloutStepAfter(Duration: TimeSpan.FromMinutes(1));
        var samples = Samples(state.Guard, observed.CandidateThisStep);
        var inStep = now - state.StepStartedAt;
        if ((after.Samples is { } wanted && samples < wanted) || (after.Duration is { } duration && inStep < duration))
        {
            return null;
        }

        // A feedback guard must have seen enough to vouch for the candidate before it gets more traffic.
        if (state.Guard is { } g && Samples(g, observed.Candidate) < g.MinSamples)
        {
            return null;
        }

        var why = string.Create(CultureInfo.InvariantCulture,
            $"{samples} {(state.Guard is { Metric: Accuracy or Auc or Rmse or Mae } ? "labelled predictions" : "requests")} and {inStep.TotalSeconds:F0} s at {state.Weight}%{GuardNote(state.Guard, observed)}");
        return next >= 100
            ? new Decision("promote", 100, $"promoted: {why}")
            : new Decision("advance", next, $"advanced to {next}%: {why}");
    }

    private static long Samples(RolloutGuard? guard, HealthCounts counts) =>
        guard is { Metric: Accuracy or Auc or Rmse or Mae } ? counts.Labelled : counts.Requests + counts.Errors + counts.ShadowCompared;

    /// <summary>The rollback a guard calls for, or null while it holds (or has too few samples to judge).</summary>
    public static Decision? Breach(RolloutGuard guard, Observation observed)
    {
        ArgumentNullException.ThrowIfNull(guard);
        ArgumentNullException.ThrowIfNull(observed);
        var (baseline, candidate) = (observed.Baseline, observed.Candidate);
        var samples = Samples(guard, candidate);
        if (samples < guard.MinSamples)
        {
            return null;
        }

        string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
        switch (guard.Metric)
        {
            case Accuracy when candidate.Accuracy is { } c && baseline.Accuracy is { } b && c < b - guard.MaxDrop!.Value:
                return new Decision("rollback", 0,
                    $"auto-rollback: accuracy {F(c)} vs baseline {F(b)} − {F(guard.MaxDrop.Value)} after {samples} labelled predictions", Accuracy, c, b);
            case Auc when candidate.Auc is { } c && baseline.Auc is { } b && c < b - guard.MaxDrop!.Value:
                return new Decision("rollback", 0,
                    $"auto-rollback: auc {F(c)} vs baseline {F(b)} − {F(guard.MaxDrop.Value)} after {samples} labelled predictions", Auc, c, b);
            case Rmse or Mae:
                var (cv, bv) = guard.Metric == Rmse
                    ? (Math.Sqrt(candidate.SquaredError / candidate.Labelled), baseline.Labelled > 0 ? Math.Sqrt(baseline.SquaredError / baseline.Labelled) : (double?)null)
                    : (candidate.AbsoluteError / candidate.Labelled, baseline.Labelled > 0 ? baseline.AbsoluteError / baseline.Labelled : (double?)null);
                if (guard.Max is { } max && cv > max)
                {
                    return new Decision("rollback", 0, $"auto-rollback: {guard.Metric} {F(cv)} above max {F(max)} after {samples} labelled predictions", guard.Metric, cv, bv);
                }

                if (guard.MaxDrop is { } drop && bv is { } bl && cv > bl + drop)
                {
                    return new Decision("rollback", 0, $"auto-rollback: {guard.Metric} {F(cv)} vs baseline {F(bl)} + {F(drop)} after {samples} labelled predictions", guard.Metric, cv, bl);
                }

                return null;
            case ErrorRate when candidate.ErrorRate is { } rate && rate > guard.Max!.Value:
                return new Decision("rollback", 0, $"auto-rollback: error rate {F(rate)} above max {F(guard.Max.Value)} after {samples} requests", ErrorRate, rate, baseline.ErrorRate);
            case P99:
                var p99 = candidate.Requests > 0 ? candidate.LatencyQuantileMs(0.99) : candidate.ShadowLatencyQuantileMs(0.99);
                return p99 is { } p && p > guard.Max!.Value
                    ? new Decision("rollback", 0, $"auto-rollback: p99 {F(p)} ms above max {F(guard.Max.Value)} ms after {samples} requests", P99, p, baseline.LatencyQuantileMs(0.99))
                    : null;
            default:
                return null;
        }
    }

    private static string GuardNote(RolloutGuard? guard, Observation observed) => guard?.Metric switch
    {
        Accuracy when observed.Candidate.Accuracy is { } c && observed.Baseline.Accuracy is { } b =>
            string.Create(CultureInfo.InvariantCulture, $"; accuracy {c:0.###} vs baseline {b:0.###}"),
        Auc when observed.Candidate.Auc is { } c && observed.Baseline.Auc is { } b =>
            string.Create(CultureInfo.InvariantCulture, $"; auc {c:0.###} vs baseline {b:0.###}"),
        _ => string.Empty,
    };
}
