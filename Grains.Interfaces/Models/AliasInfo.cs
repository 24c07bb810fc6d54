namespace OrleansMl;

/// <summary>An alias after a promotion or rollback.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Alias">Alias name.</param>
/// <param name="Version">Version the alias now points to.</param>
/// <param name="Change">The history entry just recorded.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.AliasInfo")]
public sealed record AliasInfo(
    [property: Id(0)] string Model,
    [property: Id(1)] string Alias,
    [property: Id(2)] int Version,
    [property: Id(3)] AliasChange Change);
