namespace OrleansMl.Ml;

/// <summary>
/// Raises the thread pool's minimum by the pool threads a search keeps blocked, for as long as it runs.
/// <para>
/// A search fits on pool threads (FastTree hands its split search to the pool, which runs inline only from a pool
/// thread). Scoring a fit, ML.NET splits the validation rows over background threads of its own, and on those a
/// one-versus-all model scores its classes in a parallel loop that waits for the pool to run its parts. With every
/// pool thread the pool allows (one per core) blocked in such a scoring, nothing runs the parts until the pool's
/// starvation check adds a thread, about twice a second. Captured with stack dumps: both fits of a wine search
/// waiting in the evaluator, their background threads waiting on the loop's parts, the pool's idle threads held back;
/// searches of 0.4 s took 0.9-2.4 s, one in four or five of them. With the minimum raised by the search's fitting
/// threads, the pool starts a thread for the parts at once.
/// </para>
/// </summary>
internal static class ThreadPoolHeadroom
{
    private static readonly Lock Gate = new();
    private static int _baseline = -1;
    private static int _reserved;

    /// <summary>The pool's minimum before any search raised it.</summary>
    internal static int Baseline => Volatile.Read(ref _baseline);

    /// <summary>Threads the running searches hold.</summary>
    internal static int Reserved => Volatile.Read(ref _reserved);

    /// <summary>Adds <paramref name="threads"/> to the pool's minimum until the returned lease is disposed.</summary>
    public static Lease Reserve(int threads)
    {
        lock (Gate)
        {
            if (_baseline < 0)
            {
                ThreadPool.GetMinThreads(out _baseline, out _);
            }

            _reserved += threads;
            Apply();
        }

        return new Lease(threads);
    }

    private static void Apply()
    {
        ThreadPool.GetMinThreads(out _, out var io);
        ThreadPool.SetMinThreads(_baseline + _reserved, io);
    }

    public readonly struct Lease(int threads) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate)
            {
                _reserved -= threads;
                Apply();
            }
        }
    }
}
