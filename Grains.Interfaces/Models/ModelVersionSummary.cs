using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>A model version as listed on its model.</summary>
/// <param name="Version">Version number.</param>
/// <param name="Status">Job status.</param>
/// <param name="Algorithm">Learner actually used (null until known).</param>
/// <param name="Metrics">Held-out metrics.</param>
/// <param name="Dataset">Dataset name.</param>
/// <param name="DatasetVersion">Dataset version trained on.</param>
/// <param name="CreatedAt">When requested.</param>
/// <param name="CompletedAt">When it ended.</param>
/// <param name="CreatedBy">Who requested it (null when anonymous).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ModelVersionSummary")]
public sealed record ModelVersionSummary(
    [property: Id(0)] int Version,
    [property: Id(1)] TrainingStatus Status,
    [property: Id(2)] string? Algorithm,
    [property: Id(3)] ImmutableDictionary<string, double> Metrics,
    [property: Id(4)] string Dataset,
    [property: Id(5)] int DatasetVersion,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset? CompletedAt,
    [property: Id(8)] string? CreatedBy = null);
