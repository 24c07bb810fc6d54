using System.Diagnostics;

namespace OrleansMl.Benchmarks;

/// <summary>Runs a call in a loop on N concurrent workers for a fixed time and reports percentiles and rate.</summary>
public static class Latency
{
    public static async Task<string> MeasureAsync(string name, int concurrency, TimeSpan duration, Func<Task> call)
    {
        for (var i = 0; i < 200; i++)
        {
            await call(); // warm the path (JIT tiers, caches, connections)
        }

        var samples = new List<double>[concurrency];
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            var mine = samples[w] = new List<double>(100_000);
            while (stop.Elapsed < duration)
            {
                var t = Stopwatch.GetTimestamp();
                await call();
                mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }));
        var all = samples.SelectMany(s => s).Order().ToArray();
        double P(double q) => all[Math.Min(all.Length - 1, (int)(q * all.Length))];
        return $"{name,-44} n={all.Length,8}  p50={P(0.50),8:F3} ms  p99={P(0.99),8:F3} ms  {all.Length / stop.Elapsed.TotalSeconds,10:F0}/s";
    }
}
