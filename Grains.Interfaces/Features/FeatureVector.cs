using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>
/// What an entity holds at the moment it was read: only values younger than the TTL are present; older ones are named
/// in <see cref="Expired"/> and never returned.
/// </summary>
/// <param name="Set">The feature set.</param>
/// <param name="Key">The entity's key.</param>
/// <param name="Values">The valid latest values by feature name, each with its age.</param>
/// <param name="Expired">Features that were written but are older than the TTL.</param>
/// <param name="Aggregates">Every aggregate of the set over the events in its window (null: no event to take a mean, min or max of).</param>
/// <param name="Events">In-window events the entity keeps.</param>
/// <param name="ReadAt">The time the TTL and the windows were measured against.</param>
/// <param name="Revision">The feature set revision the answer follows.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.FeatureVector")]
public sealed record FeatureVector(
    [property: Id(0)] string Set,
    [property: Id(1)] string Key,
    [property: Id(2)] ImmutableDictionary<string, FeatureReading> Values,
    [property: Id(3)] ImmutableArray<string> Expired,
    [property: Id(4)] ImmutableDictionary<string, double?> Aggregates,
    [property: Id(5)] int Events,
    [property: Id(6)] DateTimeOffset ReadAt,
    [property: Id(7)] long Revision);
