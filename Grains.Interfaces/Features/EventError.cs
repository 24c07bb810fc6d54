namespace OrleansMl;

/// <summary>Why one event of a batch was not counted.</summary>
/// <param name="Index">The event's position in the request (0-based).</param>
/// <param name="Key">The event's key, as sent.</param>
/// <param name="Reason">What was wrong: invalid, out of window, or over the per-key limit.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.EventError")]
public sealed record EventError(
    [property: Id(0)] int Index,
    [property: Id(1)] string? Key,
    [property: Id(2)] string Reason);
