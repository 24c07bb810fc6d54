using System.Collections.Immutable;
using Orleans.Concurrency;

namespace OrleansMl;

/// <summary>
/// Reads many entities of one feature set at once, on the caller's silo (a stateless worker, key: anything, e.g. the
/// set's name): one definition read, then the entities in parallel. What enriched predictions use to join rows with
/// features.
/// </summary>
[Alias("OrleansMl.IFeatureReaderGrain")]
public interface IFeatureReaderGrain : IGrainWithStringKey
{
    /// <summary>The vectors of <paramref name="keys"/>, in the same order.</summary>
    /// <exception cref="FeatureSetNotFoundException">The set was never defined.</exception>
    /// <exception cref="InvalidFeatureValuesException">A key is not a valid entity key (all are named).</exception>
    [Alias("Read"), ReadOnly]
    Task<ImmutableArray<FeatureVector>> ReadAsync(string set, ImmutableArray<string> keys);
}
