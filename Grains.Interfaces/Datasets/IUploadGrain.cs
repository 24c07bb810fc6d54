namespace OrleansMl;

/// <summary>
/// Stages the bytes of one upload in chunks, so that no grain message carries a whole file.
/// Keyed by a fresh <see cref="Guid"/> per upload.
/// </summary>
[Alias("OrleansMl.IUploadGrain")]
public interface IUploadGrain : IGrainWithGuidKey
{
    /// <summary>Appends a chunk (at most a few MB) to the staged upload.</summary>
    /// <exception cref="PayloadTooLargeException">The upload exceeds the configured maximum size.</exception>
    /// <exception cref="InsufficientStorageException">The store is (nearly) full; the chunk was not staged.</exception>
    [Alias("Append")]
    Task AppendAsync([Immutable] byte[] chunk, CancellationToken cancellationToken = default);

    /// <summary>
    /// Seals the upload (no more chunks) and returns its content address (SHA-256 hex) and size. The bytes stay staged
    /// until a dataset grain accepts them (<see cref="IDatasetGrain.AddVersionAsync"/>) or they are discarded.
    /// </summary>
    [Alias("Complete")]
    Task<UploadReceipt> CompleteAsync(CancellationToken cancellationToken = default);

    /// <summary>Discards a staged upload.</summary>
    [Alias("Abort")]
    Task AbortAsync();
}
