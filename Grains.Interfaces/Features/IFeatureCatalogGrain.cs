using System.Collections.Immutable;
using Orleans.Concurrency;

namespace OrleansMl;

/// <summary>
/// The listing of feature sets (one grain, key <see cref="Key"/>): each set's latest definition, sorted by name. Derived,
/// not owned: a feature set sets its entry after each definition and again on activation, so a missed update is healed
/// by the next one.
/// </summary>
[Alias("OrleansMl.IFeatureCatalogGrain")]
public interface IFeatureCatalogGrain : IGrainWithStringKey
{
    /// <summary>The key of the one catalog grain.</summary>
    const string Key = "feature-sets";

    /// <summary>Sets the entry of <paramref name="definition"/>'s set unless a newer revision is there.</summary>
    [Alias("Set")]
    Task SetAsync(FeatureSetDefinition definition);

    /// <summary>Up to <paramref name="limit"/> definitions whose names sort after <paramref name="after"/> (ordinal).</summary>
    [Alias("GetPage"), ReadOnly]
    Task<ImmutableArray<FeatureSetDefinition>> GetPageAsync(string? after, int limit);
}
