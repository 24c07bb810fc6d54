namespace OrleansMl;

/// <summary>The true label or value of one earlier prediction.</summary>
/// <param name="PredictionId">The <c>predictionId</c> the prediction came with.</param>
/// <param name="Actual">The true label (in the label column's own values) or value.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.FeedbackItem")]
public sealed record FeedbackItem(
    [property: Id(0)] string PredictionId,
    [property: Id(1)] FeatureValue Actual);
