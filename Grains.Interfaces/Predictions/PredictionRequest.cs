using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>Rows to score and which version scores them.</summary>
/// <param name="Rows">Rows as column name to value.</param>
/// <param name="Version">An explicit version; wins over <paramref name="Alias"/>.</param>
/// <param name="Alias">An alias such as <c>production</c> or <c>staging</c>.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.PredictionRequest")]
public sealed record PredictionRequest(
    [property: Id(0)] ImmutableArray<ImmutableDictionary<string, FeatureValue>> Rows,
    [property: Id(1)] int? Version = null,
    [property: Id(2)] string? Alias = null);
