namespace OrleansMl;

/// <summary>A latest value that is younger than its feature set's TTL.</summary>
/// <param name="Value">The value.</param>
/// <param name="UpdatedAt">When it was written.</param>
/// <param name="Age">How old it was when read.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.FeatureReading")]
public sealed record FeatureReading(
    [property: Id(0)] FeatureValue Value,
    [property: Id(1)] DateTimeOffset UpdatedAt,
    [property: Id(2)] TimeSpan Age);
