namespace OrleansMl;

/// <summary>One move of an alias, kept in the model's history.</summary>
/// <param name="Alias">Alias name.</param>
/// <param name="Action"><c>promote</c> or <c>rollback</c>.</param>
/// <param name="From">Version before the change (null if the alias was new).</param>
/// <param name="To">Version after the change.</param>
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
