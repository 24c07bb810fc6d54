using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>What a caller asks a feature set to be.</summary>
/// <param name="Key">The column that identifies an entity, e.g. <c>customer_id</c> (enriched predictions join on it).</param>
/// <param name="Ttl">How long a latest value stays valid after it was written; older values are reported expired.</param>
/// <param name="Values">The latest-value features.</param>
/// <param name="Aggregates">The sliding-window aggregates over events.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.FeatureSetSpec")]
public sealed record FeatureSetSpec(
    [property: Id(0)] string? Key,
    [property: Id(1)] TimeSpan? Ttl,
    [property: Id(2)] ImmutableArray<FeatureValueSpec> Values,
    [property: Id(3)] ImmutableArray<AggregateSpec> Aggregates);
