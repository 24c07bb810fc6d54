using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansMl.Health;

/// <summary>
/// This silo's live counts per model and version, updated by every prediction with interlocked operations (no lock,
/// no grain call) and taken, reset, by <see cref="HealthFlusher"/> about once a second.
/// </summary>
public sealed class PredictionStats
{
    private const int MaxClasses = 256;

    private readonly ConcurrentDictionary<(string Model, int Version), LiveCounts> _counts = new();

    /// <summary>Counts a request of <paramref name="rows"/> rows served by <paramref name="version"/> since <paramref name="started"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public void Served(string model, int version, BatchPrediction result, long started)
    {
        ArgumentNullException.ThrowIfNull(result);
        var counts = Get(model, version);
        Interlocked.Increment(ref counts.Requests);
        Interlocked.Add(ref counts.Rows, result.Count);
        Interlocked.Increment(ref counts.Latency[Bucket(Stopwatch.GetElapsedTime(started).TotalMilliseconds)]);
        if (result.Task == ModelTask.Regression)
        {
            double sum = 0, squares = 0;
            foreach (var value in result.Scores)
            {
                sum += value;
                squares += value * value;
            }

            AddDouble(ref counts.Sum, sum);
            AddDouble(ref counts.SumOfSquares, squares);
        }
        else
        {
            var labels = counts.Labels;
            foreach (var label in result.Labels)
            {
                if ((uint)label < (uint)labels.Length)
                {
                    Interlocked.Increment(ref labels[label]);
                }
            }
        }
    }

    /// <summary>
    /// This silo's input counts of a version, in the bins of the training data's histograms its signature holds; the
    /// same object for every replica, created on first use.
    /// </summary>
    public InputCounts Inputs(string model, int version, ModelSignature signature)
    {
        var counts = Get(model, version);
        return Volatile.Read(ref counts.Inputs) ?? Interlocked.CompareExchange(ref counts.Inputs, new InputCounts(signature), null) ?? counts.Inputs!;
    }

    /// <summary>Counts a failed request of a known version.</summary>
    public void Failed(string model, int version) => Interlocked.Increment(ref Get(model, version).Errors);

    /// <summary>Counts rows a shadow version scored beside the answering one, and how many of them agreed.</summary>
    public void Shadowed(string model, int version, int compared, int agreed, double elapsedMilliseconds)
    {
        var counts = Get(model, version);
        Interlocked.Add(ref counts.ShadowCompared, compared);
        Interlocked.Add(ref counts.ShadowAgreed, agreed);
        Interlocked.Increment(ref counts.ShadowLatency[Bucket(elapsedMilliseconds)]);
    }

    /// <summary>Counts a request not shadowed because the queue was full.</summary>
    public void ShadowDropped(string model, int version) => Interlocked.Increment(ref Get(model, version).ShadowDropped);

    /// <summary>Everything counted since the last call, per model and version, and resets the counts.</summary>
    public Dictionary<string, Dictionary<int, HealthCounts>> Take()
    {
        var taken = new Dictionary<string, Dictionary<int, HealthCounts>>(StringComparer.Ordinal);
        foreach (var ((model, version), live) in _counts)
        {
            var counts = live.Take();
            if (counts.IsEmpty)
            {
                continue;
            }

            if (!taken.TryGetValue(model, out var versions))
            {
                taken[model] = versions = [];
            }

            versions[version] = counts;
        }

        return taken;
    }

    private LiveCounts Get(string model, int version) => _counts.GetOrAdd((model, version), static _ => new LiveCounts());

    private static int Bucket(double milliseconds)
    {
        var bounds = HealthCounts.LatencyBoundsMs;
        for (var i = 0; i < bounds.Length; i++)
        {
            if (milliseconds <= bounds[i])
            {
                return i;
            }
        }

        return bounds.Length;
    }

    private static void AddDouble(ref double target, double value)
    {
        var seen = Volatile.Read(ref target);
        while (true)
        {
            var found = Interlocked.CompareExchange(ref target, seen + value, seen);
            if (found.Equals(seen))
            {
                return;
            }

            seen = found;
        }
    }

    private sealed class LiveCounts
    {
        public readonly long[] Latency = new long[HealthCounts.LatencyBoundsMs.Length + 1];
        public readonly long[] ShadowLatency = new long[HealthCounts.LatencyBoundsMs.Length + 1];
        public readonly long[] Labels = new long[MaxClasses];
        public long Requests;
        public long Rows;
        public long Errors;
        public double Sum;
        public double SumOfSquares;
        public long ShadowCompared;
        public long ShadowAgreed;
        public long ShadowDropped;
        public InputCounts? Inputs;

        public HealthCounts Take()
        {
            var counts = new HealthCounts
            {
                Requests = Interlocked.Exchange(ref Requests, 0),
                Rows = Interlocked.Exchange(ref Rows, 0),
                Errors = Interlocked.Exchange(ref Errors, 0),
                Sum = Interlocked.Exchange(ref Sum, 0),
                SumOfSquares = Interlocked.Exchange(ref SumOfSquares, 0),
                ShadowCompared = Interlocked.Exchange(ref ShadowCompared, 0),
                ShadowAgreed = Interlocked.Exchange(ref ShadowAgreed, 0),
                ShadowDropped = Interlocked.Exchange(ref ShadowDropped, 0),
                ShadowLatency = TakeAll(ShadowLatency),
            };
            counts.Latency = TakeAll(Latency);
            counts.Inputs = Volatile.Read(ref Inputs)?.Take();
            var labels = TakeAll(Labels);
            var used = Array.FindLastIndex(labels, l => l != 0) + 1;
            counts.Labels = labels[..used];
            return counts;
        }

        private static long[] TakeAll(long[] source)
        {
            var taken = new long[source.Length];
            for (var i = 0; i < source.Length; i++)
            {
                taken[i] = Interlocked.Exchange(ref source[i], 0);
            }

            return taken;
        }
    }
}
