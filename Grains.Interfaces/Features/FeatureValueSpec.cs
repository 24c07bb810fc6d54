namespace OrleansMl;

/// <summary>A latest-value feature of a feature set.</summary>
/// <param name="Name">The feature's name (1-64 ASCII letters, digits, '.', '_' or '-').</param>
/// <param name="Kind"><see cref="ColumnKind.Numeric"/> (default), <see cref="ColumnKind.Categorical"/> or <see cref="ColumnKind.Boolean"/>.</param>
/// <param name="Default">What enriched predictions use when the value is missing or expired; none means such a row is refused.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.FeatureValueSpec")]
public sealed record FeatureValueSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] ColumnKind Kind = ColumnKind.Numeric,
    [property: Id(2)] FeatureValue? Default = null);
