using System.Diagnostics;
using OrleansMl.Ml;

namespace OrleansMl.Tests.Ml;

public class DeadlinesTests
{
    [Fact]
    public void CancelAfter_FiresOnTime_WhileEveryPoolThreadIsBusy()
    {
        // Work items queued ahead of a timer's callback hold it back until threads free up or the pool adds some, about
        // two a second; a fit does the same with its own work items.
        using var release = new ManualResetEventSlim();
        ThreadPool.GetMinThreads(out var workers, out _);
        using var done = new CountdownEvent(workers + 64);
        for (var i = 0; i < done.InitialCount; i++)
        {
            ThreadPool.QueueUserWorkItem(_ =>
            {
                release.Wait(TimeSpan.FromSeconds(10));
                done.Signal();
            });
        }

        try
        {
            using var source = new CancellationTokenSource();
            using var fired = new ManualResetEventSlim();
            var firedAfter = TimeSpan.Zero;
            var watch = Stopwatch.StartNew();
            using var registration = source.Token.Register(() =>
            {
                firedAfter = watch.Elapsed;
                fired.Set();
            });

            using var deadline = Deadlines.CancelAfter(source, TimeSpan.FromMilliseconds(100));

            Assert.True(fired.Wait(TimeSpan.FromSeconds(10)));
            Assert.InRange(firedAfter, TimeSpan.FromMilliseconds(95), TimeSpan.FromMilliseconds(600));
        }
        finally
        {
            release.Set();
            done.Wait(TimeSpan.FromSeconds(20));
        }
    }

    [Fact]
    public async Task After_DoesNotFire_OnceDisposed()
    {
        var fired = 0;
        var deadline = Deadlines.After(TimeSpan.FromMilliseconds(50), () => Interlocked.Increment(ref fired));
        deadline.Dispose();
        using var later = new ManualResetEventSlim();
        using var marker = Deadlines.After(TimeSpan.FromMilliseconds(150), later.Set);

        Assert.True(await Task.Run(() => later.Wait(TimeSpan.FromSeconds(10))));
        Assert.Equal(0, Volatile.Read(ref fired));
    }

    [Fact]
    public async Task Every_Repeats_UntilDisposed()
    {
        var count = 0;
        using var third = new ManualResetEventSlim();
        var repeat = Deadlines.Every(TimeSpan.FromMilliseconds(20), () =>
        {
            if (Interlocked.Increment(ref count) == 3)
            {
                third.Set();
            }
        });

        Assert.True(await Task.Run(() => third.Wait(TimeSpan.FromSeconds(10))));
        repeat.Dispose();
        var stopped = Volatile.Read(ref count);
        await Task.Delay(200);

        Assert.InRange(Volatile.Read(ref count), 3, stopped + 1); // At most one run that had begun as it was disposed.
    }

    [Fact]
    public async Task AFailingAction_DoesNotStopLaterDeadlines()
    {
        using var failing = Deadlines.After(TimeSpan.FromMilliseconds(10), () => throw new InvalidOperationException("boom"));
        using var later = new ManualResetEventSlim();
        using var marker = Deadlines.After(TimeSpan.FromMilliseconds(100), later.Set);

        Assert.True(await Task.Run(() => later.Wait(TimeSpan.FromSeconds(10))));
    }
}
