namespace OrleansMl;

/// <summary>A column a model expects in prediction rows.</summary>
/// <param name="Name">Column name.</param>
/// <param name="Kind">Expected kind: numeric and boolean values, or text for categorical and text columns.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.InputColumn")]
public sealed record InputColumn(
    [property: Id(0)] string Name,
    [property: Id(1)] ColumnKind Kind);
