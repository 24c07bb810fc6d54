using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>The inferred schema and statistics of one dataset column.</summary>
/// <param name="Name">Column name from the CSV header.</param>
/// <param name="Kind">How the column is understood.</param>
/// <param name="Count">Number of non-missing cells.</param>
/// <param name="Missing">Number of missing cells (empty, NA, NaN, null, ?).</param>
/// <param name="Distinct">Number of distinct non-missing values.</param>
/// <param name="Min">Smallest value (numeric columns).</param>
/// <param name="Max">Largest value (numeric columns).</param>
/// <param name="Mean">Arithmetic mean (numeric columns).</param>
/// <param name="StdDev">Standard deviation (numeric columns).</param>
/// <param name="TopValues">The most frequent values (boolean, categorical and text columns).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ColumnInfo")]
public sealed record ColumnInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] ColumnKind Kind,
    [property: Id(2)] long Count,
    [property: Id(3)] long Missing,
    [property: Id(4)] long Distinct,
    [property: Id(5)] double? Min,
    [property: Id(6)] double? Max,
    [property: Id(7)] double? Mean,
    [property: Id(8)] double? StdDev,
    [property: Id(9)] ImmutableArray<ValueCount> TopValues)
{
    /// <summary>
    /// The column's distribution, the reference for drift; null for ignored columns and for versions made before
    /// histograms were kept.
    /// </summary>
    [Id(10)]
    public ColumnHistogram? Histogram { get; init; }
}
