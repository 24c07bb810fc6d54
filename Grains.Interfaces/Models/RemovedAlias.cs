using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>An alias after its removal.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Alias">The removed alias.</param>
/// <param name="Version">The version it pointed at when it was removed.</param>
/// <param name="Change">The history entry just recorded (action <c>remove</c>).</param>
/// <param name="Aliases">The model's aliases after the removal.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.RemovedAlias")]
public sealed record RemovedAlias(
    [property: Id(0)] string Model,
    [property: Id(1)] string Alias,
    [property: Id(2)] int Version,
    [property: Id(3)] AliasChange Change,
    [property: Id(4)] ImmutableDictionary<string, int> Aliases);
