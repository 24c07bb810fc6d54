using System.Collections.Immutable;

namespace OrleansMl.Security;

[GenerateSerializer, Immutable, Alias("OrleansMl.DataProtectionKeyRingState")]
public sealed record DataProtectionKeyRingState(
    [property: Id(0)] ImmutableArray<DataProtectionKeyElement> Keys)
{
    public static DataProtectionKeyRingState Empty { get; } = new(ImmutableArray<DataProtectionKeyElement>.Empty);
}

/// <summary>One stored key: the name the data-protection system gave it and its XML.</summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.DataProtectionKeyElement")]
public sealed record DataProtectionKeyElement(
    [property: Id(0)] string Name,
    [property: Id(1)] string Element);
