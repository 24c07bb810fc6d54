using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>A feature set as stored: its spec, validated, and which revision of it this is.</summary>
/// <param name="Name">The feature set's name.</param>
/// <param name="Key">The column that identifies an entity.</param>
/// <param name="Ttl">How long a latest value stays valid.</param>
/// <param name="Values">The latest-value features.</param>
/// <param name="Aggregates">The sliding-window aggregates.</param>
/// <param name="Revision">1 for the first definition, one more for each redefinition.</param>
/// <param name="UpdatedAt">When this revision was stored.</param>
/// <param name="UpdatedBy">Who stored it (null: anonymous).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.FeatureSetDefinition")]
public sealed record FeatureSetDefinition(
    [property: Id(0)] string Name,
    [property: Id(1)] string Key,
    [property: Id(2)] TimeSpan Ttl,
    [property: Id(3)] ImmutableArray<FeatureValueSpec> Values,
    [property: Id(4)] ImmutableArray<AggregateSpec> Aggregates,
    [property: Id(5)] long Revision,
    [property: Id(6)] DateTimeOffset UpdatedAt,
    [property: Id(7)] string? UpdatedBy)
{
    /// <summary>The longest aggregate window (zero without aggregates): older events count nowhere.</summary>
    public TimeSpan LongestWindow => Aggregates.IsDefaultOrEmpty ? TimeSpan.Zero : Aggregates.Max(a => a.Window);
}
