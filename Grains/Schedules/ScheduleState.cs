using System.Collections.Immutable;

namespace OrleansMl.Schedules;

/// <summary>A model's schedule as its grain stores it.</summary>
/// <param name="Schedule">The schedule (defaults filled in); null once deleted.</param>
/// <param name="SetAt">When it was set.</param>
/// <param name="SetBy">Who set it.</param>
/// <param name="NextDue">When the next run is due.</param>
/// <param name="LastDue">The due time the latest run answered: a tick for a due time not after it does nothing.</param>
/// <param name="Runs">The most recent runs, oldest first (at most <see cref="ScheduleRuns.MaxRuns"/>).</param>
/// <param name="LastTrainedDatasetVersion">The dataset version of the latest run whose version succeeded.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ScheduleState")]
public sealed record ScheduleState(
    [property: Id(0)] ScheduleRequest? Schedule,
    [property: Id(1)] DateTimeOffset SetAt,
    [property: Id(2)] string? SetBy,
    [property: Id(3)] DateTimeOffset NextDue,
    [property: Id(4)] DateTimeOffset? LastDue,
    [property: Id(5)] ImmutableArray<ScheduleRun> Runs,
    [property: Id(6)] int? LastTrainedDatasetVersion)
{
    /// <summary>No schedule.</summary>
    public static ScheduleState Empty { get; } = new(null, default, null, default, null, [], null);

    /// <summary>The state with <paramref name="run"/> added as the newest run (the oldest dropped beyond the limit).</summary>
    public ScheduleState WithRun(ScheduleRun run)
    {
        var runs = Runs.IsDefault ? [] : Runs;
        runs = runs.Add(run);
        return this with { Runs = runs.Length > ScheduleRuns.MaxRuns ? runs.RemoveRange(0, runs.Length - ScheduleRuns.MaxRuns) : runs };
    }

    /// <summary>The state with the run answering <paramref name="due"/> replaced by <paramref name="run"/>.</summary>
    public ScheduleState WithRunReplaced(DateTimeOffset due, ScheduleRun run)
    {
        var runs = Runs.IsDefault ? [] : Runs;
        for (var i = runs.Length - 1; i >= 0; i--)
        {
            if (runs[i].Due == due)
            {
                return this with { Runs = runs.SetItem(i, run) };
            }
        }

        return WithRun(run);
    }
}
