using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace OrleansMl.Predictions;

/// <summary>
/// Predictions for the process that hosts this silo (the embedded gateway), scored on the caller's thread by the
/// <see cref="PredictorReplica"/> a <see cref="PredictorGrain"/> activation would use: the same routing, checks,
/// statistics and errors, without a grain call's message, queue and thread hop. A replica serves one call at a time;
/// a model has at most <see cref="ReplicasPerModel"/>, and a call that finds them all busy goes to the model's
/// <see cref="IPredictorGrain"/> as any other caller's would. A model unused for <see cref="IdleAge"/> lets its replicas
/// go, as idle activations are collected. Holds at most <see cref="Capacity"/> models; when full it starts over, so
/// names a caller invents cost nothing lasting.
/// </summary>
public sealed class LocalPredictors : IDisposable
{
    public const int Capacity = 4096;

    /// <summary>How long a model's replicas are kept without a call.</summary>
    public static readonly TimeSpan IdleAge = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan SweepPeriod = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Pool> _pools = new(StringComparer.Ordinal);
    private readonly PredictorServices _services;
    private readonly ITimer _sweep;

    public LocalPredictors(PredictorServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _services = services;
        _sweep = services.Time.CreateTimer(static state => ((LocalPredictors)state!).Sweep(), this, SweepPeriod, SweepPeriod);
    }

    /// <summary>The most replicas of one model: twice a stateless worker's default, one per core.</summary>
    public static int ReplicasPerModel { get; } = 2 * Environment.ProcessorCount;

    /// <summary>Models with replicas kept.</summary>
    public int Count => _pools.Count;

    /// <summary><see cref="IPredictorGrain.PredictBatchAsync"/> of <paramref name="model"/>, on this thread when a replica is free.</summary>
    public Task<BatchPrediction> PredictBatchAsync(string model, PredictionBatch batch) =>
        Run(model, static (replica, call) => replica.PredictBatchAsync(call.Batch), static (grain, call) => grain.PredictBatchAsync(call.Batch), (Batch: batch, Features: default(ImmutableArray<string>)));

    /// <summary><see cref="IPredictorGrain.PredictEnrichedAsync"/> of <paramref name="model"/>, on this thread when a replica is free.</summary>
    public Task<BatchPrediction> PredictEnrichedAsync(string model, PredictionBatch batch, ImmutableArray<string> features) =>
        Run(model, static (replica, call) => replica.PredictEnrichedAsync(call.Batch, call.Features), static (grain, call) => grain.PredictEnrichedAsync(call.Batch, call.Features), (Batch: batch, Features: features));

    /// <summary>Lets go of the replicas of models unused for <see cref="IdleAge"/>.</summary>
    public void Sweep()
    {
        foreach (var (model, pool) in _pools)
        {
            if (_services.Time.GetElapsedTime(pool.LastUsed) >= IdleAge)
            {
                _pools.TryRemove(new KeyValuePair<string, Pool>(model, pool));
            }
        }
    }

    public void Dispose() => _sweep.Dispose();

    private Task<BatchPrediction> Run<TCall>(
        string model, Func<PredictorReplica, TCall, Task<BatchPrediction>> local, Func<IPredictorGrain, TCall, Task<BatchPrediction>> remote, TCall call)
    {
        var pool = GetPool(model);
        if (pool.Rent() is not { } replica)
        {
            return remote(_services.Grains.GetGrain<IPredictorGrain>(model), call);
        }

        Task<BatchPrediction> pending;
        try
        {
            pending = local(replica, call);
        }
        catch (Exception ex)
        {
            // A refusal thrown before a task exists reaches the caller as the grain call's would: as a faulted task.
            pool.Return(replica);
            return Task.FromException<BatchPrediction>(ex);
        }

        if (pending.IsCompleted)
        {
            pool.Return(replica);
            return pending;
        }

        return ReturnWhenDoneAsync(pool, replica, pending);
    }

    private static async Task<BatchPrediction> ReturnWhenDoneAsync(Pool pool, PredictorReplica replica, Task<BatchPrediction> pending)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        finally
        {
            pool.Return(replica);
        }
    }

    private Pool GetPool(string model)
    {
        if (!_pools.TryGetValue(model, out var pool))
        {
            if (_pools.Count >= Capacity)
            {
                _pools.Clear();
            }

            pool = _pools.GetOrAdd(model, static (name, services) => new Pool(name, services), _services);
        }

        pool.LastUsed = _services.Time.GetTimestamp();
        return pool;
    }

    /// <summary>One model's replicas: those not serving a call, and how many exist.</summary>
    private sealed class Pool(string model, PredictorServices services)
    {
        private readonly ConcurrentBag<PredictorReplica> _idle = [];
        private int _created;

        /// <summary>When a call last asked for a replica (a <see cref="TimeProvider"/> timestamp).</summary>
        public long LastUsed { get; set; }

        /// <summary>A free replica, a new one while fewer than the most exist, or null when all are serving.</summary>
        public PredictorReplica? Rent()
        {
            if (_idle.TryTake(out var replica))
            {
                return replica;
            }

            if (Interlocked.Increment(ref _created) <= ReplicasPerModel)
            {
                return new PredictorReplica(model, services);
            }

            Interlocked.Decrement(ref _created);
            return null;
        }

        public void Return(PredictorReplica replica) => _idle.Add(replica);
    }
}
