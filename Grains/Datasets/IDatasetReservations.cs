using Orleans.Concurrency;

namespace OrleansMl.Datasets;

/// <summary>
/// Implemented by the dataset grain: a training being accepted holds the dataset version it trains on from the moment it
/// resolves it until the model's registry has stored the new version (whose lineage then keeps the dataset version), so
/// a delete in between is refused instead of leaving a model version trained on deleted rows.
/// </summary>
[Alias("OrleansMl.IDatasetReservations")]
public interface IDatasetReservations : IGrainWithStringKey
{
    /// <summary>
    /// Holds <paramref name="version"/> (the newest live version when null) for a training of <paramref name="model"/>
    /// under <paramref name="reservation"/>, and returns it; fails as <see cref="IDatasetGrain.GetVersionAsync"/> does
    /// when there is no such version, and with <see cref="DatasetNotFoundException"/> when it was deleted.
    /// </summary>
    [Alias("Reserve")]
    Task<DatasetVersionInfo> ReserveAsync(Guid reservation, string model, int? version);

    /// <summary>Lets go of <paramref name="reservation"/>; one not held (or expired) is ignored.</summary>
    /// <remarks>Interleaves: a release never waits behind an upload or a delete, which it cannot disturb.</remarks>
    [Alias("Release"), AlwaysInterleave]
    Task ReleaseAsync(Guid reservation);
}
