using System.Collections.Immutable;

namespace OrleansMl.Datasets;

/// <param name="Versions">Every version ever created, oldest first; deleted ones stay as lineage (no rows, no samples).</param>
/// <param name="CreatedAt">When the first version was created.</param>
/// <param name="Revision">Grows with every stored change; orders the summaries the catalog index receives.</param>
/// <param name="Appends">Idempotency keys of appends, with the rows they sent and the version they made.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.DatasetState")]
public sealed record DatasetState(
    [property: Id(0)] ImmutableArray<DatasetVersionRecord> Versions,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] long Revision = 0,
    [property: Id(3)] ImmutableDictionary<string, AppendRequest>? Appends = null);

/// <param name="RowsHash">
/// The fingerprint of the rows' cells (<c>rows:</c> and a SHA-256), whatever JSON or CSV spelled them; a key remembered
/// before rows were fingerprinted holds the content hash of the bytes sent, after their format.
/// </param>
/// <param name="Version">The version the append made.</param>
/// <param name="At">When.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.AppendRequest")]
public sealed record AppendRequest(
    [property: Id(0)] string RowsHash,
    [property: Id(1)] int Version,
    [property: Id(2)] DateTimeOffset At);

/// <param name="Info">The version.</param>
/// <param name="Sample">Its first rows (cells cut to the shown length); empty once deleted.</param>
/// <param name="Released">Deleted, and its reference to the CSV in the artifact store released.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.DatasetVersionRecord")]
public sealed record DatasetVersionRecord(
    [property: Id(0)] DatasetVersionInfo Info,
    [property: Id(1)] ImmutableArray<ImmutableDictionary<string, string?>> Sample,
    [property: Id(2)] bool Released = false);
