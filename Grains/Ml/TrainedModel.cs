using System.Collections.Immutable;

namespace OrleansMl.Ml;

/// <summary>What a training run produced.</summary>
/// <param name="ModelBytes">The ML.NET model zip (input schema without the label).</param>
/// <param name="Signature">Input columns and label decoding.</param>
/// <param name="Algorithm">The learner used, with its main settings, e.g. <c>lightgbm(leaves=63,trees=300,lr=0.1)</c>.</param>
/// <param name="Metrics">Held-out metrics by name.</param>
/// <param name="TrainingMs">Time spent fitting (including any search).</param>
/// <param name="EvaluationMs">Time spent scoring the held-out rows.</param>
/// <param name="TrainRows">Rows used to fit.</param>
/// <param name="TestRows">Rows held out.</param>
public sealed record TrainedModel(
    byte[] ModelBytes,
    ModelSignature Signature,
    string Algorithm,
    ImmutableDictionary<string, double> Metrics,
    double TrainingMs,
    double EvaluationMs,
    int TrainRows,
    int TestRows)
{
    /// <summary>Time the <c>auto</c> search took, of <see cref="TrainingMs"/> (zero for a named learner).</summary>
    public double SearchMs { get; init; }

    /// <summary>Cross-validation fits of the search that other silos ran.</summary>
    public int RemoteTrials { get; init; }

    /// <summary>How the <c>auto</c> search chose the learner (null for a named learner).</summary>
    public SearchResult? Search { get; init; }
}
