using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>Every key with its secret's hash, at one revision of the key registry.</summary>
/// <param name="Revision">Grows by one with every change.</param>
/// <param name="Keys">Valid, expired and recently revoked keys.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ApiKeyTable")]
public sealed record ApiKeyTable(
    [property: Id(0)] long Revision,
    [property: Id(1)] ImmutableArray<ApiKeyEntry> Keys);
