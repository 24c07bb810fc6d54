using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Models;

/// <summary>
/// Counts the cluster's queued and running trainings (<see cref="ITrainingQueueGrain"/>). Stored, so a restart does not
/// forget jobs that resume; one small write per training start and end, far rarer than predictions.
/// </summary>
public sealed partial class TrainingQueueGrain(
    [PersistentState("queue", StorageNames.Grains)] IPersistentState<TrainingQueueState> state,
    IOptions<OrleansMlOptions> options,
    TimeProvider time,
    ILogger<TrainingQueueGrain> logger) : Grain, ITrainingQueueGrain
{
    // An entry younger than this may belong to a registration still in flight: the registry does not list it yet.
    private static readonly TimeSpan SettleTime = TimeSpan.FromMinutes(1);

    private ImmutableDictionary<string, DateTimeOffset> _entries = ImmutableDictionary<string, DateTimeOffset>.Empty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _entries = state.RecordExists && state.State.Entries is { } entries ? entries : ImmutableDictionary<string, DateTimeOffset>.Empty;
        return Task.CompletedTask;
    }

    public async Task<bool> TryEnterAsync(string version)
    {
        if (_entries.ContainsKey(version))
        {
            return true;
        }

        if (_entries.Count >= options.Value.MaxQueuedTrainings)
        {
            await DropFinishedAsync();
            if (_entries.Count >= options.Value.MaxQueuedTrainings)
            {
                return false;
            }
        }

        await CommitAsync(_entries.SetItem(version, time.GetUtcNow()));
        return true;
    }

    public Task LeaveAsync(string version) =>
        _entries.ContainsKey(version) ? CommitAsync(_entries.Remove(version)) : Task.CompletedTask;

    public Task<int> GetCountAsync() => Task.FromResult(_entries.Count);

    /// <summary>Drops entries whose model no longer counts them as pending (their end notice or failed start was lost).</summary>
    private async Task DropFinishedAsync()
    {
        var settled = time.GetUtcNow() - SettleTime;
        var stale = new List<string>();
        foreach (var model in _entries.Where(e => e.Value < settled).GroupBy(e => ModelVersionKey.Parse(e.Key).Model))
        {
            try
            {
                var pending = await GrainFactory.GetGrain<IModelVersionListener>(model.Key).GetPendingAsync();
                stale.AddRange(model.Where(e => !pending.Contains(ModelVersionKey.Parse(e.Key).Version)).Select(e => e.Key));
            }
            catch (Exception ex)
            {
                LogCheckFailed(logger, ex, model.Key);
            }
        }

        if (stale.Count > 0)
        {
            LogDropped(logger, stale.Count);
            await CommitAsync(_entries.RemoveRange(stale));
        }
    }

    private async Task CommitAsync(ImmutableDictionary<string, DateTimeOffset> next)
    {
        await state.CommitAsync(new TrainingQueueState(next), this, logger, "the training queue count");
        _entries = next;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ask model {Model} which trainings it still has pending")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, string model);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped {Count} trainings from the cluster's queue count that had ended without leaving it")]
    private static partial void LogDropped(ILogger logger, int count);
}

/// <summary>The counted trainings (<see cref="ModelVersionKey"/>) and when each entered.</summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.TrainingQueueState")]
public sealed record TrainingQueueState([property: Id(0)] ImmutableDictionary<string, DateTimeOffset> Entries);
