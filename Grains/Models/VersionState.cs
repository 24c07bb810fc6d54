namespace OrleansMl.Models;

[GenerateSerializer, Immutable, Alias("OrleansMl.VersionState")]
public sealed record VersionState([property: Id(0)] ModelVersionInfo Info);
