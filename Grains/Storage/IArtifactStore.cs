namespace OrleansMl.Storage;

/// <summary>
/// Content-addressed storage for large bytes (raw CSV uploads, model zips). Grain state holds only the address
/// (the SHA-256 hex of the content), so no grain message or state row carries the bytes.
/// <para>
/// Who uses stored content is known from reference records kept here, one per owner (a dataset version, a model
/// version; see <see cref="ArtifactOwners"/>). An owner adds its reference before the content is stored and before its
/// own state names it, and confirms it once that state is written; it releases the reference after its state no longer
/// names the content, and content whose last reference is released is deleted. So a failure at any step leaves at
/// worst bytes that nothing uses (an unconfirmed reference, checked with its owner by the sweep), never a state that
/// names deleted bytes. Content stored before references existed has none and is kept.
/// </para>
/// </summary>
public interface IArtifactStore
{
    /// <summary>Stores <paramref name="content"/> durably and returns its address. Storing existing content is a no-op.</summary>
    /// <exception cref="InsufficientStorageException">The store is (nearly) full; nothing was stored.</exception>
    Task<UploadReceipt> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Opens stored content for reading.</summary>
    /// <exception cref="FileNotFoundException">Nothing is stored under <paramref name="hash"/>.</exception>
    Task<Stream> OpenReadAsync(string hash, CancellationToken cancellationToken = default);

    /// <summary>Appends a chunk to the staging area of an upload; returns the staged size so far.</summary>
    /// <exception cref="InsufficientStorageException">The store is (nearly) full; the chunk was not staged.</exception>
    Task<long> AppendStagedAsync(Guid uploadId, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken = default);

    /// <summary>The content address and size of a staged upload, which stays staged (to be parsed, then committed or deleted).</summary>
    Task<UploadReceipt> SealStagedAsync(Guid uploadId, CancellationToken cancellationToken = default);

    /// <summary>Opens a staged upload for reading.</summary>
    Task<Stream> OpenStagedAsync(Guid uploadId, CancellationToken cancellationToken = default);

    /// <summary>Moves a staged upload into content-addressed storage under the address <see cref="SealStagedAsync"/> gave.</summary>
    Task CommitStagedAsync(Guid uploadId, UploadReceipt sealedAs, CancellationToken cancellationToken = default);

    /// <summary>Discards a staged upload (no-op if absent or already committed).</summary>
    Task DeleteStagedAsync(Guid uploadId, CancellationToken cancellationToken = default);

    /// <summary>Records that <paramref name="owner"/> is about to use <paramref name="hash"/> (unconfirmed); idempotent.</summary>
    Task AddReferenceAsync(string hash, string owner, CancellationToken cancellationToken = default);

    /// <summary>Marks the reference confirmed: the owner's state names the content.</summary>
    Task ConfirmReferenceAsync(string hash, string owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the reference of <paramref name="owner"/> and, when it was the content's last one, the content itself.
    /// Returns true when the content was deleted. A reference that does not exist changes nothing.
    /// </summary>
    Task<bool> ReleaseReferenceAsync(string hash, string owner, CancellationToken cancellationToken = default);

    /// <summary>References added longer ago than <paramref name="olderThan"/> and never confirmed.</summary>
    Task<IReadOnlyList<ArtifactReference>> GetUnconfirmedReferencesAsync(TimeSpan olderThan, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes staged uploads and temporary files untouched for <paramref name="idleFor"/>, and content whose last
    /// reference was released but which a failure left behind. Returns how many items were removed.
    /// </summary>
    Task<int> SweepAsync(TimeSpan idleFor, CancellationToken cancellationToken = default);

    /// <summary>What the store holds now.</summary>
    Task<ArtifactStoreUsage> GetUsageAsync(CancellationToken cancellationToken = default);
}

/// <summary>A reference record: <paramref name="Owner"/> uses the content <paramref name="Hash"/>.</summary>
public sealed record ArtifactReference(string Hash, string Owner, DateTimeOffset UpdatedAt);

/// <summary>What an artifact store holds.</summary>
/// <param name="Artifacts">Stored contents.</param>
/// <param name="Bytes">Their total size.</param>
/// <param name="StagedUploads">Uploads staged and not yet committed or deleted (temporary files included).</param>
/// <param name="StagedBytes">Their total size.</param>
/// <param name="References">Reference records.</param>
public sealed record ArtifactStoreUsage(int Artifacts, long Bytes, int StagedUploads, long StagedBytes, int References);
