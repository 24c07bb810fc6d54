using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>The prediction for one row.</summary>
/// <param name="Label">Predicted class in the label column's own values (classification).</param>
/// <param name="Value">Predicted value (regression).</param>
/// <param name="Score">Raw score (binary margin, or the winning class's probability for multiclass).</param>
/// <param name="Probabilities">Class value to probability (classification).</param>
/// <param name="PredictionId">The signed id to send feedback for this prediction with.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.Prediction")]
public sealed record Prediction(
    [property: Id(0)] FeatureValue? Label,
    [property: Id(1)] double? Value,
    [property: Id(2)] double? Score,
    [property: Id(3)] ImmutableDictionary<string, double>? Probabilities,
    [property: Id(4)] string? PredictionId = null);
