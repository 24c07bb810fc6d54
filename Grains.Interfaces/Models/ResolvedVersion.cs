namespace OrleansMl;

/// <summary>A servable model version, as resolved from a version number, an alias or the defaults.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Version">Version number.</param>
/// <param name="Alias">The alias it was reached through, if any.</param>
/// <param name="ArtifactHash">Content address of the saved model.</param>
/// <param name="Signature">Input schema and label decoding.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ResolvedVersion")]
public sealed record ResolvedVersion(
    [property: Id(0)] string Model,
    [property: Id(1)] int Version,
    [property: Id(2)] string? Alias,
    [property: Id(3)] string ArtifactHash,
    [property: Id(4)] ModelSignature Signature);
