namespace OrleansMl;

/// <summary>A value of a column and how often it occurs.</summary>
/// <param name="Value">The value as it appears in the CSV.</param>
/// <param name="Count">Number of rows holding it.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ValueCount")]
public sealed record ValueCount(
    [property: Id(0)] string Value,
    [property: Id(1)] long Count);
