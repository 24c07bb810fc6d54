using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>A schedule's run history, newest first.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Runs">The runs kept (at most <see cref="MaxRuns"/>), newest first.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ScheduleRuns")]
public sealed record ScheduleRuns(
    [property: Id(0)] string Model,
    [property: Id(1)] ImmutableArray<ScheduleRun> Runs)
{
    /// <summary>How many runs a schedule keeps; older ones are dropped.</summary>
    public const int MaxRuns = 200;
}
