namespace OrleansMl.Models;

/// <summary>
/// The cluster-wide count of queued and running trainings (one instance, key <see cref="Key"/>), for the per-cluster
/// limit <c>OrleansMl__MaxQueuedTrainings</c>. Derived from the registries: a model enters a version before
/// registering it and leaves it when the version's end is noted (or its registration failed); an entry a crash left
/// behind is dropped when the queue is full and the model no longer counts that version as pending.
/// </summary>
[Alias("OrleansMl.ITrainingQueueGrain")]
public interface ITrainingQueueGrain : IGrainWithStringKey
{
    /// <summary>The key of the single instance.</summary>
    const string Key = "cluster";

    /// <summary>Counts <paramref name="version"/> (a <see cref="ModelVersionKey"/>) as queued; false when the cluster's queue is full.</summary>
    [Alias("TryEnter")]
    Task<bool> TryEnterAsync(string version);

    /// <summary>Stops counting <paramref name="version"/>; no-op when it is not counted.</summary>
    [Alias("Leave")]
    Task LeaveAsync(string version);

    /// <summary>How many trainings are counted now.</summary>
    [Alias("GetCount"), Orleans.Concurrency.ReadOnly]
    Task<int> GetCountAsync();
}
