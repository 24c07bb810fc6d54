namespace OrleansMl;

/// <summary>One move or the removal of an alias, kept in the model's history.</summary>
/// <param name="Alias">Alias name.</param>
/// <param name="Action"><c>promote</c>, <c>rollback</c> or <c>remove</c>.</param>
/// <param name="From">Version before the change (null if the alias was new).</param>
/// <param name="To">Version after the change; for <c>remove</c>, the version the alias pointed at when it was removed (as <paramref name="From"/>).</param>
/// <param name="At">When.</param>
/// <param name="Reason">Why, as given by the caller.</param>
/// <param name="By">Who made the change (the caller's name; null when anonymous).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.AliasChange")]
public sealed record AliasChange(
    [property: Id(0)] string Alias,
    [property: Id(1)] string Action,
    [property: Id(2)] int? From,
    [property: Id(3)] int To,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] string? Reason,
    [property: Id(6)] string? By = null);
