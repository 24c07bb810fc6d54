using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>One event of an entity: when it happened and its values (e.g. <c>{amount: 12.5}</c>).</summary>
/// <param name="Timestamp">
/// When the event happened; its age decides which windows count it. Every value is a time: the default,
/// 0001-01-01T00:00:00Z, is older than any window, so such an event is counted out of window.
/// </param>
/// <param name="Values">Numeric values by column name; each must be a column some aggregate uses.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.FeatureEvent")]
public sealed record FeatureEvent(
    [property: Id(0)] DateTimeOffset Timestamp,
    [property: Id(1)] ImmutableDictionary<string, FeatureValue> Values);
