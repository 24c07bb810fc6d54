namespace OrleansMl.Models;

/// <summary>A model version as its grain stores it.</summary>
/// <param name="Info">Everything about the version.</param>
/// <param name="Allocation">The start this state belongs to, as the model registered it (empty for versions of the previous release).</param>
/// <param name="Reported">The version ended and the model has taken note: nothing is left to report.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.VersionState")]
public sealed record VersionState(
    [property: Id(0)] ModelVersionInfo Info,
    [property: Id(1)] Guid Allocation = default,
    [property: Id(2)] bool Reported = false);
