using System.Diagnostics;

namespace OrleansMl.Benchmarks;

/// <summary>Runs a call in a loop on N concurrent workers for a fixed time and reports percentiles and rate.</summary>
public static class Latency
{
    public static async Task<string> MeasureAsync(string name, int concurrency, TimeSpan duration, Func<Task> call) =>
        (await MeasureResultAsync(name, concurrency, duration, call)).ToString();

    /// <summary>As <see cref="MeasureAsync"/>, with the figures for comparisons.</summary>
    public static async Task<Measurement> MeasureResultAsync(string name, int concurrency, TimeSpan duration, Func<Task> call)
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
        return new Measurement(name, all.Length, P(0.50), P(0.99), all.Length / stop.Elapsed.TotalSeconds);
    }
}

/// <summary>One measured loop: calls, median and 99th percentile latency in milliseconds, calls per second.</summary>
public sealed record Measurement(string Name, int Calls, double P50, double P99, double Rate)
{
    public override string ToString() => $"{Name,-44} n={Calls,8}  p50={P50,8:F3} ms  p99={P99,8:F3} ms  {Rate,10:F0}/s";
}
