namespace OrleansMl;

/// <summary>A sliding-window aggregate of a feature set, computed from the events of each key.</summary>
/// <param name="Name">The aggregate's name, e.g. <c>tx_count_1h</c>.</param>
/// <param name="Op">How the window's values are combined.</param>
/// <param name="Column">The numeric event value it aggregates; optional for <see cref="AggregateOp.Count"/> (then every event counts).</param>
/// <param name="Window">How far back from now the window reaches.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.AggregateSpec")]
public sealed record AggregateSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] AggregateOp Op,
    [property: Id(2)] string? Column,
    [property: Id(3)] TimeSpan Window);
