namespace OrleansMl;

/// <summary>What became of a batch of feedback.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Accepted">Items joined to their prediction.</param>
/// <param name="Unknown">Items whose id is not a prediction id of this model (malformed, altered, another model's).</param>
/// <param name="Expired">Items whose prediction is older than the feedback retention.</param>
/// <param name="Duplicate">Items whose prediction already had feedback (counted once).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.FeedbackResult")]
public sealed record FeedbackResult(
    [property: Id(0)] string Model,
    [property: Id(1)] int Accepted,
    [property: Id(2)] int Unknown,
    [property: Id(3)] int Expired,
    [property: Id(4)] int Duplicate);
