using System.Collections.Immutable;

namespace OrleansMl.Models;

[GenerateSerializer, Immutable, Alias("OrleansMl.ModelState")]
public sealed record ModelState(
    [property: Id(0)] ImmutableArray<VersionEntry> Versions,
    [property: Id(1)] ImmutableDictionary<string, int> Aliases,
    [property: Id(2)] ImmutableDictionary<string, ImmutableArray<int>> AliasStacks,
    [property: Id(3)] ImmutableArray<AliasChange> History,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] long Revision = 0);

/// <summary>What the registry keeps per version; the version grain is the source of truth for the rest.</summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.VersionEntry")]
public sealed record VersionEntry(
    [property: Id(0)] int Version,
    [property: Id(1)] TrainingSpec Spec,
    [property: Id(2)] TrainingStatus Status,
    [property: Id(3)] string? Algorithm,
    [property: Id(4)] ImmutableDictionary<string, double> Metrics,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset? CompletedAt,
    [property: Id(7)] string? ArtifactHash,
    [property: Id(8)] ModelSignature? Signature)
{
    public VersionEntry With(ModelVersionInfo info) => this with
    {
        Status = info.Status,
        Algorithm = info.Algorithm,
        Metrics = info.Metrics,
        CompletedAt = info.CompletedAt,
        ArtifactHash = info.ArtifactHash,
        Signature = info.Signature,
    };

    public ModelVersionSummary ToSummary() =>
        new(Version, Status, Algorithm, Metrics, Spec.Dataset, Spec.DatasetVersion, CreatedAt, CompletedAt);
}
