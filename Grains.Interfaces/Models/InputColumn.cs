namespace OrleansMl;

/// <summary>A column a model expects in prediction rows.</summary>
/// <param name="Name">Column name.</param>
/// <param name="Kind">Expected kind: numeric and boolean values, or text for categorical and text columns.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.InputColumn")]
public sealed record InputColumn(
    [property: Id(0)] string Name,
    [property: Id(1)] ColumnKind Kind)
{
    /// <summary>
    /// The column's distribution in the data the version was trained on, stored with the version so that live inputs
    /// can be compared with it (PSI); null for versions trained before histograms were kept.
    /// </summary>
    [Id(2)]
    public ColumnHistogram? Reference { get; init; }
}
