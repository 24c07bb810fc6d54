using System.Collections.Immutable;

namespace OrleansMl.Schedules;

/// <summary>The scheduled model names.</summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.ScheduleDirectoryState")]
public sealed record ScheduleDirectoryState([property: Id(0)] ImmutableSortedSet<string> Models);
