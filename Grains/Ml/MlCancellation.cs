using System.Reflection;
using Microsoft.ML;

namespace OrleansMl.Ml;

/// <summary>
/// Stops running ML.NET work when a token fires. ML.NET only checks its own flag, set by the internal
/// <c>MLContext.CancelExecution()</c>; a cancelled context is dead afterwards, so every search trial that may be
/// stopped on its own runs in a context of its own.
/// </summary>
internal sealed class MlCancellation : IDisposable
{
    private static readonly MethodInfo? CancelExecution = typeof(MLContext).GetMethod(
        "CancelExecution",
        BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic,
        Type.EmptyTypes);

    private static readonly TimeSpan RepeatEvery = TimeSpan.FromMilliseconds(100);

    private readonly List<MLContext> _contexts = [];
    private readonly Lock _lock = new();
    private readonly CancellationToken _token;
    private readonly CancellationTokenRegistration _registration;
    private IDisposable? _repeat;
    private bool _disposed;

    public MlCancellation(CancellationToken token)
    {
        _token = token;
        _registration = token.Register(CancelAll);
    }

    /// <summary>A context that is cancelled along with the run.</summary>
    public MLContext NewContext(int seed)
    {
        var context = new MLContext(seed);
        lock (_lock)
        {
            _contexts.Add(context);
        }

        if (_token.IsCancellationRequested)
        {
            Cancel(context);
        }

        return context;
    }

    /// <summary>Stops the work of one context (a trial that ran out of time).</summary>
    public static void Cancel(MLContext context) => CancelExecution?.Invoke(context, null);

    /// <summary>
    /// Runs ML.NET work and surfaces a cancellation as <see cref="OperationCanceledException"/>, whatever ML.NET threw
    /// while stopping (an <see cref="AggregateException"/> from parallel learners, an invalid-operation error...).
    /// </summary>
    public T Run<T>(Func<T> work)
    {
        _token.ThrowIfCancellationRequested();
        try
        {
            // FastTree hands each feature's split search to the thread pool and waits for it. From a pool thread the
            // hand-off runs inline; from any other thread (a training's own) every one of the thousands per fit waits
            // for a free pool thread, which made small fits several times slower (profiled). So ML.NET work runs on
            // the pool.
            return Thread.CurrentThread.IsThreadPoolThread ? work() : Task.Run(work).GetAwaiter().GetResult();
        }
        catch (Exception error) when (_token.IsCancellationRequested)
        {
            if (error is OperationCanceledException cancelled && cancelled.CancellationToken == _token)
            {
                throw;
            }

            throw new OperationCanceledException("The training was cancelled.", error, _token);
        }
    }

    public void Dispose()
    {
        _registration.Dispose();
        lock (_lock)
        {
            _disposed = true;
            _repeat?.Dispose();
            _repeat = null;
        }
    }

    public bool IsCancellationRequested => _token.IsCancellationRequested;

    /// <summary>The token the run stops on.</summary>
    public CancellationToken Token => _token;

    public void ThrowIfCancellationRequested() => _token.ThrowIfCancellationRequested();

    private void CancelAll()
    {
        MLContext[] contexts;
        lock (_lock)
        {
            contexts = [.. _contexts];

            // A learner registers its inner environments as it goes, and one registered after the cancellation does not
            // inherit it (seen with FastTree under load: a fit ran to its end minutes after being cancelled). Saying it
            // again until the run is disposed reaches those too.
            if (!_disposed)
            {
                _repeat ??= Deadlines.Every(RepeatEvery, CancelAll);
            }
        }

        foreach (var context in contexts)
        {
            Cancel(context);
        }
    }
}
