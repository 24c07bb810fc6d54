using System.Globalization;

namespace OrleansMl.Ml;

/// <summary>
/// The bounds a training request is checked against before anything is allocated, and the wall-clock limit of its fit.
/// Built from the silo's settings (<c>OrleansMl__MaxTrainingSeconds</c>, <c>__MaxTrees</c>, <c>__MaxLeaves</c>,
/// <c>__MaxTreeLeaves</c>, <c>__MaxFeatureWidth</c>).
/// </summary>
public sealed record TrainingLimits(int MaxTrainingSeconds, int MaxTrees, int MaxLeaves, int MaxTreeLeaves, int MaxFeatureWidth)
{
    /// <summary>The defaults of the settings.</summary>
    public static TrainingLimits Default { get; } = From(new Hosting.OrleansMlOptions());

    public static TrainingLimits From(Hosting.OrleansMlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.MaxTrainingSeconds, options.MaxTrees, options.MaxLeaves, options.MaxTreeLeaves, options.MaxFeatureWidth);
    }

    /// <summary>
    /// How long the fit of <paramref name="spec"/> may run. An explicit algorithm stops at its <c>timeBudgetSeconds</c>;
    /// <c>auto</c> plans its search within the budget (its first trials always run, so a small budget can be overrun)
    /// and is stopped at twice the budget, or the budget plus 30 s when that is more. Neither ever runs past
    /// <see cref="MaxTrainingSeconds"/>.
    /// </summary>
    public TimeSpan WallClock(TrainingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var max = (double)MaxTrainingSeconds;
        var budget = HyperParameters.Parse(spec.Parameters, this).TimeBudgetSeconds;
        var seconds = budget switch
        {
            null => max,
            { } b when spec.Algorithm == TrainingAlgorithm.Auto => Math.Min(max, Math.Max(2 * b, b + 30)),
            { } b => Math.Min(max, b),
        };
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>The message of a fit of <paramref name="algorithm"/> stopped by its wall-clock limit, with what makes one shorter.</summary>
    public static string TimeLimitReached(TimeSpan limit, TrainingAlgorithm algorithm) => string.Create(CultureInfo.InvariantCulture,
        $"Training stopped: the time limit of {limit.TotalSeconds:0.###} s reached (timeBudgetSeconds, at most OrleansMl__MaxTrainingSeconds). "
        + $"Train with {(algorithm is TrainingAlgorithm.Lda or TrainingAlgorithm.KernelRidge ? "fewer features" : "fewer trees or leaves")}, fewer rows, or a larger timeBudgetSeconds.");
}
