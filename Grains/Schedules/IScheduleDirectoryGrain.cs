using System.Collections.Immutable;

namespace OrleansMl.Schedules;

/// <summary>
/// The names of the models that have a schedule, so that a starting silo can wake every schedule (embedded mode keeps
/// reminders in memory). An index only: each schedule is owned by its own grain.
/// </summary>
[Alias("OrleansMl.IScheduleDirectoryGrain")]
public interface IScheduleDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The one directory's key.</summary>
    const string Key = "schedules";

    [Alias("Add")]
    Task AddAsync(string model);

    [Alias("Remove")]
    Task RemoveAsync(string model);

    [Alias("List")]
    Task<ImmutableArray<string>> ListAsync();
}
