namespace OrleansMl.Storage;

/// <summary>
/// Content-addressed storage for large bytes (raw CSV uploads, model zips). Grain state holds only the address
/// (the SHA-256 hex of the content), so no grain message or state row carries the bytes.
/// </summary>
public interface IArtifactStore
{
    /// <summary>Stores <paramref name="content"/> durably and returns its address. Storing existing content is a no-op.</summary>
    Task<UploadReceipt> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Opens stored content for reading.</summary>
    /// <exception cref="FileNotFoundException">Nothing is stored under <paramref name="hash"/>.</exception>
    Task<Stream> OpenReadAsync(string hash, CancellationToken cancellationToken = default);

    /// <summary>Appends a chunk to the staging area of an upload; returns the staged size so far.</summary>
    Task<long> AppendStagedAsync(Guid uploadId, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken = default);

    /// <summary>Moves a staged upload into content-addressed storage.</summary>
    Task<UploadReceipt> CommitStagedAsync(Guid uploadId, CancellationToken cancellationToken = default);

    /// <summary>Discards a staged upload (no-op if absent).</summary>
    Task DeleteStagedAsync(Guid uploadId, CancellationToken cancellationToken = default);
}
