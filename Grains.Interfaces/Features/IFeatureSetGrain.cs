using Orleans.Concurrency;

namespace OrleansMl;

/// <summary>
/// The definition of one feature set (key: the set's name). Entities cache it by <see cref="FeatureSetDefinition.Revision"/>
/// and fetch it again only when a caller names a revision they have not seen.
/// </summary>
[Alias("OrleansMl.IFeatureSetGrain")]
public interface IFeatureSetGrain : IGrainWithStringKey
{
    /// <summary>Defines the set, or redefines it (the revision goes up by one); <see cref="Caller.Name"/> is recorded.</summary>
    /// <exception cref="InvalidFeatureSetException">A field is missing or invalid, or a limit is passed; nothing is changed.</exception>
    [Alias("Define")]
    Task<FeatureSetDefinition> DefineAsync(FeatureSetSpec spec);

    /// <summary>The current definition.</summary>
    /// <exception cref="FeatureSetNotFoundException">The set was never defined.</exception>
    [Alias("Get"), ReadOnly]
    Task<FeatureSetDefinition> GetAsync();
}
