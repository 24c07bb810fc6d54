using System.Collections.Immutable;

namespace OrleansMl.Features;

/// <summary>
/// What one entity stores: its latest values, and its in-window events column by column (<see cref="Columns"/> names
/// the aggregated columns in the order of each event's values; NaN marks a column the event did not carry).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.FeatureEntityState")]
public sealed record FeatureEntityState(
    [property: Id(0)] ImmutableDictionary<string, StoredFeatureValue> Values,
    [property: Id(1)] ImmutableArray<string> Columns,
    [property: Id(2)] ImmutableArray<StoredEvent> Events)
{
    public static FeatureEntityState Empty { get; } = new(ImmutableDictionary<string, StoredFeatureValue>.Empty, [], []);
}

/// <summary>A latest value and when it was written.</summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.StoredFeatureValue")]
public sealed record StoredFeatureValue(
    [property: Id(0)] FeatureValue Value,
    [property: Id(1)] DateTimeOffset UpdatedAt);

/// <summary>An event: its time in UTC ticks and its values in the order of <see cref="FeatureEntityState.Columns"/>.</summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.StoredEvent")]
public sealed record StoredEvent(
    [property: Id(0)] long Ticks,
    [property: Id(1)] ImmutableArray<double> Values);
