using Orleans.Concurrency;

namespace OrleansMl;

/// <summary>
/// A named dataset: an append-only list of immutable versions, keyed by dataset name.
/// Raw bytes live in the artifact store; the grain keeps recently used parsed features in memory.
/// </summary>
[Alias("OrleansMl.IDatasetGrain")]
public interface IDatasetGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates a version from an upload staged with <see cref="IUploadGrain"/> (see
    /// <c>ClusterClientExtensions.UploadDatasetAsync</c>). Identical content returns the existing version.
    /// </summary>
    /// <exception cref="InvalidDatasetException">The CSV is empty, ragged or otherwise unusable.</exception>
    [Alias("AddVersionFromUpload")]
    Task<DatasetUploadResult> AddVersionAsync(Guid uploadId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a version holding the newest live version's rows followed by the rows of an upload staged with
    /// <see cref="IUploadGrain"/> (see <c>ClusterClientExtensions.AppendRowsAsync</c>). The old rows are taken from the
    /// parsed version in memory, not parsed again; the new version stores the whole data as CSV, like an upload, and its
    /// statistics and histograms are those of all its rows. An <paramref name="idempotencyKey"/> seen before with the same
    /// rows returns the version it created (<see cref="DatasetUploadResult.Created"/> false).
    /// </summary>
    /// <exception cref="DatasetNotFoundException">The dataset has no live version to append to.</exception>
    /// <exception cref="InvalidDatasetException">The rows do not fit the version's columns (an unknown or missing column, a value
    /// that does not fit a numeric or boolean column, a malformed row); nothing was created.</exception>
    /// <exception cref="PayloadTooLargeException">The new version would pass the upload size limit.</exception>
    /// <exception cref="IdempotencyConflictException">The idempotency key was used with other rows.</exception>
    [Alias("AppendRows")]
    Task<DatasetUploadResult> AppendRowsAsync(Guid uploadId, RowsFormat format, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a version's rows: the version keeps its schema and content hash as lineage (marked deleted), can no
    /// longer be trained on or previewed, and its CSV is removed from the artifact store once nothing else references
    /// the same content.
    /// </summary>
    /// <exception cref="InvalidVersionNumberException">The number is below 1.</exception>
    /// <exception cref="DatasetNotFoundException">No such version.</exception>
    /// <exception cref="VersionInUseException">A model version that is not deleted was trained on it, or a training on it is
    /// being accepted at this moment (try again).</exception>
    /// <exception cref="StorageUnavailableException">The change could not be stored; the version is unchanged.</exception>
    [Alias("DeleteVersion")]
    Task<DatasetVersionInfo> DeleteVersionAsync(int version);

    /// <summary>The dataset and all its versions.</summary>
    /// <exception cref="DatasetNotFoundException">No version was ever created.</exception>
    [Alias("Get")]
    Task<DatasetInfo> GetAsync();

    /// <summary>One version's schema and statistics.</summary>
    /// <exception cref="InvalidVersionNumberException">The number is below 1.</exception>
    /// <exception cref="DatasetNotFoundException">No such dataset or version.</exception>
    [Alias("GetVersion")]
    Task<DatasetVersionInfo> GetVersionAsync(int version);

    /// <summary>One version with its first <paramref name="rows"/> rows.</summary>
    /// <exception cref="InvalidListRequestException"><paramref name="rows"/> is not 0 to <see cref="DatasetPreview.MaxSampleRows"/>.</exception>
    [Alias("Preview")]
    Task<DatasetPreview> PreviewAsync(int version, int rows = 5);

    /// <summary>
    /// The drift of <paramref name="version"/> from <paramref name="against"/>: per column, the PSI of the version's rows
    /// counted in the bins of the reference version's stored histogram (computed from its rows for versions made before
    /// histograms were kept). Pass <see cref="DatasetDrift.PreviousVersion"/> as <paramref name="against"/> to compare
    /// with the newest live version older than <paramref name="version"/>. Columns that only one side has are reported,
    /// not refused.
    /// </summary>
    /// <exception cref="InvalidVersionNumberException">A number is below 1 (<paramref name="against"/> aside from <see cref="DatasetDrift.PreviousVersion"/>).</exception>
    /// <exception cref="DatasetNotFoundException">No such dataset or version, or either version was deleted.</exception>
    /// <exception cref="InvalidDriftRequestException">The two versions are the same, or there is no earlier live version.</exception>
    [Alias("GetDrift"), ReadOnly]
    Task<DatasetDrift> GetDriftAsync(int version, int against);

    /// <summary>Cache hit and miss counters of this activation.</summary>
    [Alias("GetCacheStats")]
    Task<DatasetCacheStats> GetCacheStatsAsync();
}
