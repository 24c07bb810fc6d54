using System.Collections.Immutable;

namespace OrleansMl.Datasets;

[GenerateSerializer, Immutable, Alias("OrleansMl.DatasetState")]
public sealed record DatasetState(
    [property: Id(0)] ImmutableArray<DatasetVersionRecord> Versions,
    [property: Id(1)] DateTimeOffset CreatedAt);

[GenerateSerializer, Immutable, Alias("OrleansMl.DatasetVersionRecord")]
public sealed record DatasetVersionRecord(
    [property: Id(0)] DatasetVersionInfo Info,
    [property: Id(1)] ImmutableArray<ImmutableDictionary<string, string?>> Sample);
