using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>One immutable version of a dataset.</summary>
/// <param name="Name">Dataset name.</param>
/// <param name="Version">Version number, starting at 1.</param>
/// <param name="Rows">Number of data rows (header excluded).</param>
/// <param name="Columns">Inferred schema and statistics, in CSV order.</param>
/// <param name="ContentHash">SHA-256 of the uploaded bytes (hex); identical uploads share it.</param>
/// <param name="SizeBytes">Size of the uploaded CSV in bytes.</param>
/// <param name="CreatedAt">When the version was created.</param>
/// <param name="CreatedBy">Who uploaded it (the caller's name; null when anonymous).</param>
/// <param name="DeletedAt">When the version was deleted (null while it is live). A deleted version keeps its schema and
/// content hash as lineage; its rows are gone.</param>
/// <param name="DeletedBy">Who deleted it (null when anonymous or live).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.DatasetVersionInfo")]
public sealed record DatasetVersionInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] int Version,
    [property: Id(2)] long Rows,
    [property: Id(3)] ImmutableArray<ColumnInfo> Columns,
    [property: Id(4)] string ContentHash,
    [property: Id(5)] long SizeBytes,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] string? CreatedBy = null,
    [property: Id(8)] DateTimeOffset? DeletedAt = null,
    [property: Id(9)] string? DeletedBy = null)
{
    /// <summary>Whether the version was deleted (its rows are gone; the record stays as lineage).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsDeleted => DeletedAt is not null;
}
