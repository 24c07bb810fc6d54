using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>What happened to a batch of events. Every event is counted in exactly one of the four counts.</summary>
/// <param name="Accepted">Events stored and counted by the aggregates whose windows hold them.</param>
/// <param name="OutOfWindow">Events older than the longest window (relative to now): they could count nowhere.</param>
/// <param name="Invalid">Events with a bad key, timestamp or value.</param>
/// <param name="OverLimit">Events refused because their key already keeps the most events allowed.</param>
/// <param name="Errors">The first few events that were not accepted, and why.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.EventBatchResult")]
public sealed record EventBatchResult(
    [property: Id(0)] int Accepted,
    [property: Id(1)] int OutOfWindow,
    [property: Id(2)] int Invalid,
    [property: Id(3)] int OverLimit,
    [property: Id(4)] ImmutableArray<EventError> Errors)
{
    /// <summary>How many errors an answer lists at most; the counts cover every event.</summary>
    public const int MaxErrors = 20;

    /// <summary>No events.</summary>
    public static EventBatchResult Empty { get; } = new(0, 0, 0, 0, []);

    /// <summary>Both results together, errors in index order, at most <see cref="MaxErrors"/>.</summary>
    public EventBatchResult Add(EventBatchResult other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Accepted + other.Accepted, OutOfWindow + other.OutOfWindow, Invalid + other.Invalid, OverLimit + other.OverLimit,
            Errors.Concat(other.Errors).OrderBy(e => e.Index).Take(MaxErrors).ToImmutableArray());
    }
}
