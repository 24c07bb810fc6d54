using System.Diagnostics;

namespace OrleansMl.Ml;

/// <summary>
/// Fires training deadlines from a thread of its own.
/// <para>
/// A <see cref="Timer"/> (and so <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>) runs its callback as a
/// thread-pool work item, in the pool's shared queue. A fit keeps every pool thread busy with its own work items,
/// which each thread takes from its local queue before it looks at the shared one, so a deadline could wait there for
/// as long as the fit ran: a FastForest fit ran 4.5 minutes past a 300 ms cancellation, and a FastTree fit with a 1 s
/// budget ended succeeded. Actions here run on the deadline thread itself; they must be short and must not block
/// (cancelling a token source and telling ML.NET to stop are).
/// </para>
/// </summary>
internal static class Deadlines
{
    private static readonly object Gate = new();
    private static readonly PriorityQueue<Entry, long> Due = new();
    private static Thread? _thread;

    /// <summary>Cancels <paramref name="source"/> after <paramref name="delay"/>, unless the returned handle is disposed first.</summary>
    public static IDisposable CancelAfter(CancellationTokenSource source, TimeSpan delay) =>
        Schedule(delay, Timeout.InfiniteTimeSpan, () =>
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The work ended and disposed its source just as the deadline came.
            }
        });

    /// <summary>Runs <paramref name="action"/> after <paramref name="delay"/>, unless the returned handle is disposed first.</summary>
    public static IDisposable After(TimeSpan delay, Action action) => Schedule(delay, Timeout.InfiniteTimeSpan, action);

    /// <summary>Runs <paramref name="action"/> every <paramref name="period"/> until the returned handle is disposed.</summary>
    public static IDisposable Every(TimeSpan period, Action action)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        return Schedule(period, period, action);
    }

    private static Entry Schedule(TimeSpan delay, TimeSpan period, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (delay == Timeout.InfiniteTimeSpan)
        {
            return new Entry(action, period); // Never due: nothing to schedule.
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        var entry = new Entry(action, period);
        lock (Gate)
        {
            Due.Enqueue(entry, Stopwatch.GetTimestamp() + Ticks(delay));
            if (_thread is null)
            {
                _thread = new Thread(Loop) { IsBackground = true, Name = "OrleansMl deadlines" };
                _thread.Start();
            }
            else
            {
                Monitor.Pulse(Gate);
            }
        }

        return entry;
    }

    private static long Ticks(TimeSpan span) =>
        (long)Math.Min(span.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 4);

    private static void Loop()
    {
        while (true)
        {
            Entry? next = null;
            lock (Gate)
            {
                while (next is null)
                {
                    if (!Due.TryPeek(out var entry, out var at))
                    {
                        Monitor.Wait(Gate);
                        continue;
                    }

                    var wait = at - Stopwatch.GetTimestamp();
                    if (wait > 0)
                    {
                        // At most an hour at a time (the loop looks again), well inside what Monitor.Wait takes.
                        Monitor.Wait(Gate, TimeSpan.FromSeconds(Math.Min((double)wait / Stopwatch.Frequency, 3600)));
                        continue;
                    }

                    Due.Dequeue();
                    next = entry;
                    if (entry.Period != Timeout.InfiniteTimeSpan && !entry.Disposed)
                    {
                        Due.Enqueue(entry, Stopwatch.GetTimestamp() + Ticks(entry.Period));
                    }
                }
            }

            try
            {
                next.Action();
            }
            catch (Exception error)
            {
                // One failing action must not stop every later deadline.
                Trace.TraceError($"A deadline action failed: {error}");
            }
        }
    }

    private static void Remove(Entry entry)
    {
        lock (Gate)
        {
            entry.Disposed = true;
            Due.Remove(entry, out _, out _);
        }
    }

    private sealed class Entry(Action action, TimeSpan period) : IDisposable
    {
        public Action Action { get; } = action;

        public TimeSpan Period { get; } = period;

        /// <summary>Read and written under the gate.</summary>
        public bool Disposed { get; set; }

        public void Dispose() => Remove(this);
    }
}
