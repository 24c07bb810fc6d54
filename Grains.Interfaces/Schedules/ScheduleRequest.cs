using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>A retraining schedule of one model, as set by its owner.</summary>
/// <param name="Every">How often a run is due; at least one minute.</param>
/// <param name="Dataset">The dataset each run trains on (its newest version at the time of the run).</param>
/// <param name="Label">The label column.</param>
/// <param name="Algorithm">Learner; <see cref="TrainingAlgorithm.Auto"/> searches.</param>
/// <param name="Parameters">Hyper-parameters, as for a training request.</param>
/// <param name="Trigger">When a due run trains.</param>
/// <param name="DriftThreshold">The largest PSI at which a <see cref="ScheduleTrigger.Drift"/> run trains; default 0.2.</param>
/// <param name="Then">What happens to a version a run trained, once it succeeded.</param>
/// <param name="Rollout">The rollout to start for <see cref="ScheduleThen.Rollout"/>: the trained version is the candidate.</param>
/// <param name="Task">Prediction task; <see cref="ModelTask.Auto"/> infers it from the label.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ScheduleRequest")]
public sealed record ScheduleRequest(
    [property: Id(0)] TimeSpan Every,
    [property: Id(1)] string Dataset,
    [property: Id(2)] string Label,
    [property: Id(3)] TrainingAlgorithm Algorithm = TrainingAlgorithm.Auto,
    [property: Id(4)] ImmutableDictionary<string, double>? Parameters = null,
    [property: Id(5)] ScheduleTrigger Trigger = ScheduleTrigger.Always,
    [property: Id(6)] double? DriftThreshold = null,
    [property: Id(7)] ScheduleThen Then = ScheduleThen.None,
    [property: Id(8)] ScheduleRollout? Rollout = null,
    [property: Id(9)] ModelTask Task = ModelTask.Auto)
{
    /// <summary>The feature columns each run trains on; empty: every usable column except the label.</summary>
    [Id(10)]
    public ImmutableArray<string> Features { get; init; } = [];

    /// <summary>The drift threshold used when none is given.</summary>
    public const double DefaultDriftThreshold = 0.2;

    /// <summary>The shortest period: Orleans reminders take nothing shorter.</summary>
    public static readonly TimeSpan MinEvery = TimeSpan.FromMinutes(1);

    /// <summary>The longest period.</summary>
    public static readonly TimeSpan MaxEvery = TimeSpan.FromDays(30);
}
