using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansMl.Diagnostics;

namespace OrleansMl.Work;

/// <summary>
/// Runs CPU-heavy work on thread-pool threads, never on the grain scheduler, with at most a fixed number of
/// items at once per silo. Callers wait for a slot asynchronously, so a silo is never oversubscribed.
/// </summary>
public abstract class BoundedWorker(int concurrency) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(concurrency, concurrency);
    // Since when each waiting and running item has been there (Stopwatch timestamps), for the age of the oldest.
    private readonly ConcurrentDictionary<long, long> _waitingSince = new();
    private readonly ConcurrentDictionary<long, long> _runningSince = new();
    private long _lastTicket;
    private int _waiting;
    private int _running;

    public int Concurrency { get; } = concurrency;

    /// <summary>Items waiting for a slot.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Items running now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>How long the item that has waited longest has been waiting; zero when none waits.</summary>
    public TimeSpan OldestWaiting => Oldest(_waitingSince);

    /// <summary>How long the item that has run longest has been running; zero when none runs.</summary>
    public TimeSpan OldestRunning => Oldest(_runningSince);

    /// <summary>Waits for a slot; dispose the lease to free it. Run the work itself with <see cref="RunAsync{T}"/>.</summary>
    public async Task<Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        var ticket = Interlocked.Increment(ref _lastTicket);
        Interlocked.Increment(ref _waiting);
        var started = Stopwatch.GetTimestamp();
        _waitingSince[ticket] = started;
        try
        {
            await _slots.WaitAsync(cancellationToken);
        }
        finally
        {
            _waitingSince.TryRemove(ticket, out _);
            Interlocked.Decrement(ref _waiting);
        }

        Interlocked.Increment(ref _running);
        _runningSince[ticket] = Stopwatch.GetTimestamp();
        var waited = Stopwatch.GetElapsedTime(started);
        OnAcquired(waited);
        return new Lease(this, ticket, waited);
    }

    /// <summary>Takes a slot only if one is free now; null otherwise (the caller does the work elsewhere).</summary>
    public Lease? TryAcquire()
    {
        if (!_slots.Wait(0))
        {
            return null;
        }

        var ticket = Interlocked.Increment(ref _lastTicket);
        Interlocked.Increment(ref _running);
        _runningSince[ticket] = Stopwatch.GetTimestamp();
        return new Lease(this, ticket, TimeSpan.Zero);
    }

    /// <summary>Runs <paramref name="work"/> on the thread pool (outside any grain's scheduler).</summary>
    public static Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(work, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Acquires a slot, runs <paramref name="work"/> off the grain scheduler and frees the slot.</summary>
    public async Task<T> RunBoundedAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        using var lease = await AcquireAsync(cancellationToken);
        return await RunAsync(work, cancellationToken);
    }

    public void Dispose()
    {
        _slots.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Called when a caller got a slot after waiting <paramref name="waited"/>.</summary>
    protected virtual void OnAcquired(TimeSpan waited)
    {
    }

    private static TimeSpan Oldest(ConcurrentDictionary<long, long> since)
    {
        var oldest = long.MaxValue;
        foreach (var (_, timestamp) in since)
        {
            oldest = Math.Min(oldest, timestamp);
        }

        return oldest == long.MaxValue ? TimeSpan.Zero : Stopwatch.GetElapsedTime(oldest);
    }

    private void Release(long ticket)
    {
        _runningSince.TryRemove(ticket, out _);
        Interlocked.Decrement(ref _running);
        _slots.Release();
    }

    /// <summary>A held slot.</summary>
    public sealed class Lease(BoundedWorker owner, long ticket, TimeSpan waited) : IDisposable
    {
        private int _disposed;

        /// <summary>How long the caller waited for the slot.</summary>
        public TimeSpan Waited { get; } = waited;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Release(ticket);
            }
        }
    }
}

/// <summary>The per-silo training slots (<see cref="Hosting.OrleansMlOptions.TrainingConcurrency"/>).</summary>
public sealed class TrainingWorker(int concurrency) : BoundedWorker(concurrency)
{
    protected override void OnAcquired(TimeSpan waited) => OrleansMlMetrics.TrainingQueueWait(waited);
}

/// <summary>The per-silo CSV parsing slots (<see cref="Hosting.OrleansMlOptions.ParseConcurrency"/>).</summary>
public sealed class ParsingWorker(int concurrency) : BoundedWorker(concurrency);
