namespace OrleansMl;

/// <summary>The guard that watches an alias: if the version it points at does worse than the one before, the alias rolls back by itself.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Alias">The alias watched.</param>
/// <param name="Version">The version the alias points at.</param>
/// <param name="Previous">The version a rollback would return to (null: nothing to roll back to yet).</param>
/// <param name="Guard">The guard (null once removed).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.AliasGuardInfo")]
public sealed record AliasGuardInfo(
    [property: Id(0)] string Model,
    [property: Id(1)] string Alias,
    [property: Id(2)] int Version,
    [property: Id(3)] int? Previous,
    [property: Id(4)] RolloutGuard? Guard);
