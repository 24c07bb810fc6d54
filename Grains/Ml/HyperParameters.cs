using System.Collections.Immutable;
using System.Globalization;

namespace OrleansMl.Ml;

/// <summary>Hyper-parameters a caller may fix; the rest are chosen by the learner defaults or the search.</summary>
internal sealed record HyperParameters(
    int? Trees,
    int? Leaves,
    double? LearningRate,
    int? MinLeaf,
    double? L1,
    double? L2,
    double? TimeBudgetSeconds)
{
    /// <summary>The parameter names as a list for messages.</summary>
    public const string Allowed = "trees (or iterations), leaves, learningRate, minLeaf, l1, l2, timeBudgetSeconds";

    /// <summary>Every parameter name a request may use, in any case ("iterations" is another name for "trees").</summary>
    public static readonly ImmutableArray<string> Known = TrainingParameters.Names.Insert(1, "iterations");

    /// <summary>
    /// The smallest <c>l2</c> an <c>l1</c> above 0 can go with on a linear regression: SDCA sets its L1 penalty as a
    /// multiple of its L2 one (their ratio), which below this would overflow to a model that predicts the mean alone.
    /// </summary>
    public const double MinL2WithL1ForLinearRegression = 1e-6;

    /// <summary>
    /// Whether the linear learner could not fit these parameters on a regression: an <c>l1</c> above 0 with an
    /// <c>l2</c> below <see cref="MinL2WithL1ForLinearRegression"/> (left out, <c>l2</c> is the learner's default).
    /// </summary>
    public bool L1WithoutL2ForLinearRegression(TrainingAlgorithm algorithm) =>
        L1 > 0 && L2 < MinL2WithL1ForLinearRegression && algorithm is TrainingAlgorithm.Linear or TrainingAlgorithm.Auto;

    /// <summary>Why <see cref="L1WithoutL2ForLinearRegression"/> parameters are refused.</summary>
    public static string L1NeedsL2ForLinearRegression(TrainingAlgorithm algorithm) =>
        $"Parameter 'l1' above 0 needs 'l2' of at least {MinL2WithL1ForLinearRegression.ToString("0.######", CultureInfo.InvariantCulture)} "
        + "for a linear regression: its learner (SDCA) sets the L1 "
        + "penalty as a multiple of the L2 one. Raise l2 or leave it out (the linear learner's default is 1)"
        + (algorithm == TrainingAlgorithm.Auto ? "; auto applies both to its linear candidates." : ", or choose lightgbm.");

    public static HyperParameters None { get; } = new(null, null, null, null, null, null, null);

    /// <summary>The setting a parameter name stands for, in upper case: "iterations" and "Trees" both set TREES.</summary>
    public static string Setting(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return (TrainingParameters.Canonical(key) ?? key).ToUpperInvariant();
    }

    /// <summary>Reads the parameters, each checked against its range (trees and leaves up to the settings' limits).</summary>
    public static HyperParameters Parse(ImmutableDictionary<string, double>? parameters, TrainingLimits? limits = null)
    {
        limits ??= TrainingLimits.Default;
        var result = None;
        if (parameters is null)
        {
            return result;
        }

        foreach (var (key, value) in parameters)
        {
            result = key.ToUpperInvariant() switch
            {
                "TREES" or "ITERATIONS" => result with { Trees = WholeNumber(key, value, 1, limits.MaxTrees) },
                "LEAVES" => result with { Leaves = WholeNumber(key, value, 2, limits.MaxLeaves) },
                "LEARNINGRATE" => result with { LearningRate = Range(key, value, 1e-4, 1, "between 0.0001 and 1") },
                "MINLEAF" => result with { MinLeaf = WholeNumber(key, value, 1, 100_000) },
                "L1" => result with { L1 = Range(key, value, 0, 1_000, "between 0 and 1000") },
                "L2" => result with { L2 = Range(key, value, 0, 1_000, "between 0 and 1000") },
                "TIMEBUDGETSECONDS" => result with
                {
                    TimeBudgetSeconds = Range(key, value, 0.5, limits.MaxTrainingSeconds,
                        $"between 0.5 and {limits.MaxTrainingSeconds} (OrleansMl__MaxTrainingSeconds)"),
                },
                _ => throw new InvalidTrainingRequestException(
                    $"Unknown parameter '{key}'. Allowed parameters: {Allowed}."),
            };
        }

        return result;
    }

    /// <summary>
    /// The settings each algorithm uses (<see cref="TrainingParameters.UsedBy"/>, in upper case, with ITERATIONS beside
    /// TREES); naming another is a mistake the caller would not notice (it would be ignored), so it is refused.
    /// </summary>
    public static IReadOnlySet<string> AppliesTo(TrainingAlgorithm algorithm)
    {
        var used = new HashSet<string>(TrainingParameters.UsedBy(algorithm).Select(Setting), StringComparer.Ordinal);
        if (used.Contains("TREES"))
        {
            used.Add("ITERATIONS");
        }

        return used;
    }

    private static int WholeNumber(string key, double value, int min, int max)
    {
        if (double.IsNaN(value) || value != Math.Floor(value) || value < min || value > max)
        {
            throw new InvalidTrainingRequestException(
                $"Parameter '{key}' must be a whole number between {min} and {max}; got {Text(value)}.");
        }

        return (int)value;
    }

    private static double Range(string key, double value, double min, double max, string range)
    {
        if (double.IsNaN(value) || value < min || value > max)
        {
            throw new InvalidTrainingRequestException($"Parameter '{key}' must be {range}; got {Text(value)}.");
        }

        return value;
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
