namespace OrleansMl;

/// <summary>A model's schedule: what it trains, when it runs next and its last run.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Schedule">The schedule as set, with defaults filled in.</param>
/// <param name="SetAt">When it was set.</param>
/// <param name="SetBy">Who set it (null when anonymous).</param>
/// <param name="NextRunAt">When the next run is due.</param>
/// <param name="LastRun">The latest run, if any.</param>
/// <param name="Runs">How many runs the history holds (the most recent ones are kept).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ScheduleInfo")]
public sealed record ScheduleInfo(
    [property: Id(0)] string Model,
    [property: Id(1)] ScheduleRequest Schedule,
    [property: Id(2)] DateTimeOffset SetAt,
    [property: Id(3)] string? SetBy,
    [property: Id(4)] DateTimeOffset NextRunAt,
    [property: Id(5)] ScheduleRun? LastRun,
    [property: Id(6)] int Runs);
