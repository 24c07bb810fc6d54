using Orleans.Concurrency;

namespace OrleansMl.Storage;

/// <summary>
/// Implemented by the grains that own artifacts (a dataset for its versions' CSVs, a model version for its zip): asked by
/// the sweep whether an unconfirmed reference is in use after all, because the owner's state names the content.
/// </summary>
[Alias("OrleansMl.IArtifactReferrer")]
public interface IArtifactReferrer : IGrainWithStringKey
{
    /// <summary>Whether version <paramref name="version"/> of this owner exists and its state names <paramref name="hash"/>.</summary>
    [Alias("Holds"), AlwaysInterleave]
    Task<bool> HoldsAsync(string hash, int version);
}
