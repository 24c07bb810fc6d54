namespace OrleansMl;

/// <summary>A change to record: an <see cref="AuditEntry"/> before the log numbers and dates it.</summary>
/// <param name="By">Who made it (<see cref="Caller.Name"/> of the call that made it).</param>
/// <param name="Action">What was done (<see cref="AuditActions"/>).</param>
/// <param name="Target">What it was done to.</param>
/// <param name="From">The state before.</param>
/// <param name="To">The state after.</param>
/// <param name="Detail">More about it.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.AuditChange")]
public sealed record AuditChange(
    [property: Id(0)] string? By,
    [property: Id(1)] string Action,
    [property: Id(2)] string Target,
    [property: Id(3)] string? From,
    [property: Id(4)] string? To,
    [property: Id(5)] string? Detail);
