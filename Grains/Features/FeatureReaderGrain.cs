using System.Collections.Immutable;
using Orleans.Concurrency;

namespace OrleansMl.Features;

/// <summary>Reads many entities of a set from the caller's silo; see <see cref="IFeatureReaderGrain"/>.</summary>
[StatelessWorker]
public sealed class FeatureReaderGrain : Grain, IFeatureReaderGrain
{
    public async Task<ImmutableArray<FeatureVector>> ReadAsync(string set, ImmutableArray<string> keys)
    {
        Names.Validate(set, "feature set");
        var bad = keys.IsDefault ? [] : keys.Where(k => !FeatureKeys.IsValid(k)).Distinct(StringComparer.Ordinal).Take(10).ToList();
        if (bad.Count > 0)
        {
            throw new InvalidFeatureValuesException(string.Join("; ", bad.Select(FeatureKeys.Problem)) + ".");
        }

        if (keys.IsDefaultOrEmpty)
        {
            return [];
        }

        var definition = await GrainFactory.GetGrain<IFeatureSetGrain>(set).GetAsync();
        var vectors = await Task.WhenAll(keys.Select(k =>
            GrainFactory.GetGrain<IFeatureEntityGrain>(FeatureKeys.EntityGrainKey(set, k)).GetAsync(definition.Revision)));
        return [.. vectors];
    }
}
