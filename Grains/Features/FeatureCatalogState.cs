using System.Collections.Immutable;

namespace OrleansMl.Features;

/// <summary>The listed feature sets by name.</summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.FeatureCatalogState")]
public sealed record FeatureCatalogState([property: Id(0)] ImmutableSortedDictionary<string, FeatureSetDefinition> Sets)
{
    public static FeatureCatalogState Empty { get; } = new(ImmutableSortedDictionary.Create<string, FeatureSetDefinition>(StringComparer.Ordinal));
}
