using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Schedules;

/// <summary>The stored set of scheduled model names (see <see cref="IScheduleDirectoryGrain"/>).</summary>
public sealed class ScheduleDirectoryGrain(
    [PersistentState("schedules", StorageNames.Grains)] IPersistentState<ScheduleDirectoryState> state,
    ILogger<ScheduleDirectoryGrain> logger) : Grain, IScheduleDirectoryGrain
{
    private ImmutableSortedSet<string> _committed = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _committed = state.RecordExists ? state.State.Models ?? [] : [];
        return Task.CompletedTask;
    }

    public Task AddAsync(string model) => _committed.Contains(model) ? Task.CompletedTask : CommitAsync(_committed.Add(model));

    public Task RemoveAsync(string model) => _committed.Contains(model) ? CommitAsync(_committed.Remove(model)) : Task.CompletedTask;

    public Task<ImmutableArray<string>> ListAsync() => Task.FromResult(_committed.ToImmutableArray());

    private async Task CommitAsync(ImmutableSortedSet<string> next)
    {
        await state.CommitAsync(new ScheduleDirectoryState(next), this, logger, "the schedule directory");
        _committed = next;
    }
}
