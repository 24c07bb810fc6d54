namespace OrleansMl.Features;

[GenerateSerializer, Immutable, Alias("OrleansMl.FeatureSetState")]
public sealed record FeatureSetState([property: Id(0)] FeatureSetDefinition? Definition)
{
    public static FeatureSetState Empty { get; } = new((FeatureSetDefinition?)null);
}
