namespace OrleansMl;

/// <summary>One change in the audit log.</summary>
/// <param name="Sequence">Position in the log: later changes have higher numbers.</param>
/// <param name="At">When it was recorded.</param>
/// <param name="By">Who made it: the API key's name or the token's subject; null for an anonymous local caller.</param>
/// <param name="Action">What was done (<see cref="AuditActions"/>).</param>
/// <param name="Target">What it was done to: <c>datasets/churn</c>, <c>models/churn</c>, <c>models/churn/aliases/production</c>, <c>keys/key_…</c>.</param>
/// <param name="From">The state before, where there was one (e.g. the version an alias pointed at).</param>
/// <param name="To">The state after.</param>
/// <param name="Detail">More about it: the reason given, the training spec, the key's scopes.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string? By,
    [property: Id(3)] string Action,
    [property: Id(4)] string Target,
    [property: Id(5)] string? From,
    [property: Id(6)] string? To,
    [property: Id(7)] string? Detail);
