using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>
/// The distribution of one column when its dataset version was made: the reference that drift (PSI) is measured
/// against, for a later dataset version and for the inputs a model version serves. Numeric and boolean columns are
/// binned by <see cref="Cuts"/> (bin <c>b</c> holds the values with exactly <c>b</c> cuts at or below them, so there
/// are <c>Cuts.Length + 1</c> bins); categorical and text columns keep their most frequent <see cref="Categories"/>
/// and one last bin for every other value. Missing cells are counted apart.
/// </summary>
/// <param name="Cuts">Ascending cut points of a numeric column (the deciles of its values, without repeats); empty otherwise.</param>
/// <param name="Categories">Most frequent values of a categorical column, in bin order; empty for numeric columns.</param>
/// <param name="Counts">Rows per bin: <c>Cuts.Length + 1</c> bins for numbers, <c>Categories.Length + 1</c> for categories (the last is "other").</param>
/// <param name="Missing">Rows with no value.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ColumnHistogram")]
public sealed record ColumnHistogram(
    [property: Id(0)] ImmutableArray<double> Cuts,
    [property: Id(1)] ImmutableArray<string> Categories,
    [property: Id(2)] ImmutableArray<long> Counts,
    [property: Id(3)] long Missing)
{
    /// <summary>Whether values are binned by cut points (numbers) rather than by category.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsNumeric => Categories.IsDefaultOrEmpty;

    /// <summary>Number of bins, not counting the missing one.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Bins => Counts.Length;
}
