using System.Collections.Immutable;
using Orleans.Concurrency;

namespace OrleansMl;

/// <summary>
/// One entity of a feature set (key: <see cref="FeatureKeys.EntityGrainKey"/>, <c>{set}/{key}</c>): its latest values and
/// the events of its aggregate windows, in memory and in grain storage. Every change is stored before it is
/// acknowledged; the TTL and the windows are measured on every read. The <c>revision</c> arguments name the
/// feature set revision the caller knows (from <see cref="IFeatureSetGrain.GetAsync"/>); the entity fetches the
/// definition only when that differs from its cached one, so a caller that already holds the definition costs no
/// extra call.
/// </summary>
[Alias("OrleansMl.IFeatureEntityGrain")]
public interface IFeatureEntityGrain : IGrainWithStringKey
{
    /// <summary>Sets latest values; all or nothing.</summary>
    /// <exception cref="InvalidFeatureValuesException">A name is not a value of the set or a value has the wrong kind (all are named).</exception>
    /// <exception cref="FeatureSetNotFoundException">The set was never defined.</exception>
    [Alias("SetValues")]
    Task<FeatureVector> SetValuesAsync(long revision, ImmutableDictionary<string, FeatureValue> values);

    /// <summary>Adds events to the windows. <paramref name="indexes"/> are the events' positions in the caller's request, for the errors.</summary>
    /// <exception cref="FeatureSetNotFoundException">The set was never defined.</exception>
    [Alias("AddEvents")]
    Task<EventBatchResult> AddEventsAsync(long revision, ImmutableArray<FeatureEvent> events, ImmutableArray<int> indexes);

    /// <summary>The values younger than the TTL (with their ages), the expired names and every aggregate, as of now.</summary>
    /// <exception cref="FeatureSetNotFoundException">The set was never defined.</exception>
    [Alias("Get"), ReadOnly]
    Task<FeatureVector> GetAsync(long revision);
}
