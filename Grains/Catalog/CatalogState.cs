using System.Collections.Immutable;

namespace OrleansMl.Catalog;

[GenerateSerializer, Immutable, Alias("OrleansMl.CatalogState")]
public sealed record CatalogState(
    [property: Id(0)] ImmutableSortedSet<string> Datasets,
    [property: Id(1)] ImmutableSortedSet<string> Models)
{
    public static CatalogState Empty { get; } = new([], []);
}
