using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>Predictions for a request, with the version that made them.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Version">Version that scored the rows.</param>
/// <param name="Alias">Alias the version was reached through, if any.</param>
/// <param name="Predictions">One prediction per row, in request order.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.PredictionResult")]
public sealed record PredictionResult(
    [property: Id(0)] string Model,
    [property: Id(1)] int Version,
    [property: Id(2)] string? Alias,
    [property: Id(3)] ImmutableArray<Prediction> Predictions);
