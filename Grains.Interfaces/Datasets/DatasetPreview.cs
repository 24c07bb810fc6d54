using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>One dataset version with a few of its rows.</summary>
/// <param name="Version">Schema and statistics.</param>
/// <param name="SampleRows">The first rows, as column name to cell text (null when missing).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.DatasetPreview")]
public sealed record DatasetPreview(
    [property: Id(0)] DatasetVersionInfo Version,
    [property: Id(1)] ImmutableArray<ImmutableDictionary<string, string?>> SampleRows)
{
    /// <summary>The most sample rows a dataset version keeps, and so the most a preview can show.</summary>
    public const int MaxSampleRows = 10;
}
