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
    [Alias("Append")]
    Task AppendAsync([Immutable] byte[] chunk, CancellationToken cancellationToken = default);

    /// <summary>Seals the upload and returns its content address (SHA-256 hex) and size.</summary>
    [Alias("Complete")]
    Task<UploadReceipt> CompleteAsync(CancellationToken cancellationToken = default);

    /// <summary>Discards a staged upload.</summary>
    [Alias("Abort")]
    Task AbortAsync();
}
