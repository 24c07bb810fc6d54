using System.Collections.Immutable;

namespace OrleansMl.Security;

[GenerateSerializer, Immutable, Alias("OrleansMl.ApiKeyRegistryState")]
public sealed record ApiKeyRegistryState(
    [property: Id(0)] ImmutableArray<ApiKeyEntry> Keys,
    [property: Id(1)] long Revision)
{
    public static ApiKeyRegistryState Empty { get; } = new([], 0);
}
