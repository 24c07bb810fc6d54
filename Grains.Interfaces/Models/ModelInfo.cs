using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>A model: its versions, aliases and alias history.</summary>
/// <param name="Name">Model name.</param>
/// <param name="Versions">Versions, oldest first.</param>
/// <param name="Aliases">Alias name to version.</param>
/// <param name="AliasHistory">Every promotion and rollback, oldest first.</param>
/// <param name="CreatedAt">When the first version was requested.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ModelInfo")]
public sealed record ModelInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableArray<ModelVersionSummary> Versions,
    [property: Id(2)] ImmutableDictionary<string, int> Aliases,
    [property: Id(3)] ImmutableArray<AliasChange> AliasHistory,
    [property: Id(4)] DateTimeOffset CreatedAt);
