namespace OrleansMl;

/// <summary>
/// Counts of one model version over some span of time: what silos flush to the <see cref="IModelHealthGrain"/> every
/// second, and what its windows add up. Mutable so buckets can be summed in place; copied on every grain call.
/// </summary>
[GenerateSerializer, Alias("OrleansMl.HealthCounts")]
public sealed class HealthCounts
{
    /// <summary>Upper bounds, in milliseconds, of the fixed latency buckets (the last bucket is everything above).</summary>
    public static readonly double[] LatencyBoundsMs = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000];

    /// <summary>Prediction requests served.</summary>
    [Id(0)] public long Requests { get; set; }

    /// <summary>Rows scored.</summary>
    [Id(1)] public long Rows { get; set; }

    /// <summary>Requests that failed once their version was known.</summary>
    [Id(2)] public long Errors { get; set; }

    /// <summary>Requests per latency bucket (<see cref="LatencyBoundsMs"/>, plus one for everything above).</summary>
    [Id(3)] public long[] Latency { get; set; } = new long[LatencyBoundsMs.Length + 1];

    /// <summary>Classification: rows per predicted class index.</summary>
    [Id(4)] public long[] Labels { get; set; } = [];

    /// <summary>Regression: the sum of predicted values.</summary>
    [Id(5)] public double Sum { get; set; }

    /// <summary>Regression: the sum of squared predicted values.</summary>
    [Id(6)] public double SumOfSquares { get; set; }

    /// <summary>Predictions that got their true label or value back through feedback.</summary>
    [Id(7)] public long Labelled { get; set; }

    /// <summary>Classification: labelled predictions that were right.</summary>
    [Id(8)] public long Correct { get; set; }

    /// <summary>Regression: the sum of absolute errors of labelled predictions.</summary>
    [Id(9)] public double AbsoluteError { get; set; }

    /// <summary>Regression: the sum of squared errors of labelled predictions.</summary>
    [Id(10)] public double SquaredError { get; set; }

    /// <summary>Shadow scoring: rows this version scored beside the version that answered.</summary>
    [Id(11)] public long ShadowCompared { get; set; }

    /// <summary>Shadow scoring: of those, rows where both gave the same label (regression: within 1%).</summary>
    [Id(12)] public long ShadowAgreed { get; set; }

    /// <summary>Shadow scoring: rows dropped because the silo's shadow queue was full.</summary>
    [Id(13)] public long ShadowDropped { get; set; }

    /// <summary>Shadow scoring: this version's scoring time per latency bucket (<see cref="LatencyBoundsMs"/>).</summary>
    [Id(14)] public long[] ShadowLatency { get; set; } = new long[LatencyBoundsMs.Length + 1];

    /// <summary>Whether nothing was counted.</summary>
    /// <summary>
    /// A sample of the served inputs counted in the bins of the training data's histograms, by input name (one slot per
    /// bin and a last one for missing values); null when none was counted.
    /// </summary>
    [Id(15)] public Dictionary<string, long[]>? Inputs { get; set; }

    /// <summary>Labelled predictions of a binary model whose actual label was the positive class, by predicted probability (<see cref="ScoreBins"/> bins).</summary>
    [Id(16)] public long[] PositiveScores { get; set; } = [];

    /// <summary>Labelled predictions of a binary model whose actual label was the negative class, by predicted probability.</summary>
    [Id(17)] public long[] NegativeScores { get; set; } = [];

    /// <summary>Bins of predicted probability that AUC from feedback is computed over.</summary>
    public const int ScoreBins = 200;

    public bool IsEmpty => Requests == 0 && Errors == 0 && Labelled == 0 && ShadowCompared == 0 && ShadowDropped == 0 && Inputs is null;

    /// <summary>Counts one labelled prediction of a binary model: the probability it gave the positive class and whether that was the truth.</summary>
    public void AddScored(double probability, bool positive)
    {
        var bin = (int)Math.Clamp(Math.Floor(probability * ScoreBins), 0, ScoreBins - 1);
        if (positive)
        {
            PositiveScores = Grow(PositiveScores, ScoreBins);
            PositiveScores[bin]++;
        }
        else
        {
            NegativeScores = Grow(NegativeScores, ScoreBins);
            NegativeScores[bin]++;
        }
    }

    /// <summary>
    /// Area under the ROC curve of the labelled binary predictions: the chance that a positive got a higher probability
    /// than a negative (ties within a bin of 1/<see cref="ScoreBins"/> count half); null until both classes were seen.
    /// </summary>
    public double? Auc
    {
        get
        {
            long positives = PositiveScores.Sum(), negatives = NegativeScores.Sum();
            if (positives == 0 || negatives == 0)
            {
                return null;
            }

            double wins = 0;
            long negativesBelow = 0;
            for (var b = 0; b < ScoreBins; b++)
            {
                long p = b < PositiveScores.Length ? PositiveScores[b] : 0, n = b < NegativeScores.Length ? NegativeScores[b] : 0;
                wins += p * (negativesBelow + (n / 2.0));
                negativesBelow += n;
            }

            return wins / ((double)positives * negatives);
        }
    }

    /// <summary>Adds <paramref name="other"/> into this.</summary>
    public void Add(HealthCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Requests += other.Requests;
        Rows += other.Rows;
        Errors += other.Errors;
        for (var i = 0; i < Math.Min(Latency.Length, other.Latency.Length); i++)
        {
            Latency[i] += other.Latency[i];
        }

        for (var i = 0; i < Math.Min(ShadowLatency.Length, other.ShadowLatency.Length); i++)
        {
            ShadowLatency[i] += other.ShadowLatency[i];
        }

        if (other.Labels.Length > Labels.Length)
        {
            var grown = new long[other.Labels.Length];
            Labels.CopyTo(grown, 0);
            Labels = grown;
        }

        for (var i = 0; i < other.Labels.Length; i++)
        {
            Labels[i] += other.Labels[i];
        }

        PositiveScores = AddAll(PositiveScores, other.PositiveScores);
        NegativeScores = AddAll(NegativeScores, other.NegativeScores);
        if (other.Inputs is not null)
        {
            Inputs ??= new(StringComparer.Ordinal);
            foreach (var (name, bins) in other.Inputs)
            {
                Inputs[name] = Inputs.TryGetValue(name, out var mine) ? AddAll(mine, bins) : [.. bins];
            }
        }

        Sum += other.Sum;
        SumOfSquares += other.SumOfSquares;
        Labelled += other.Labelled;
        Correct += other.Correct;
        AbsoluteError += other.AbsoluteError;
        SquaredError += other.SquaredError;
        ShadowCompared += other.ShadowCompared;
        ShadowAgreed += other.ShadowAgreed;
        ShadowDropped += other.ShadowDropped;
    }

    /// <summary>
    /// The latency, in milliseconds, below which <paramref name="quantile"/> of requests fell (a bucket's upper bound); null
    /// without requests. The bucket above the last bound has no upper bound: it reads as the last bound (10000 means 10 s or
    /// more), so the answer is always a number JSON can carry.
    /// </summary>
    public double? LatencyQuantileMs(double quantile) => Quantile(Latency, quantile);

    private static long[] Grow(long[] bins, int length)
    {
        if (bins.Length >= length)
        {
            return bins;
        }

        var grown = new long[length];
        bins.CopyTo(grown, 0);
        return grown;
    }

    private static long[] AddAll(long[] mine, long[] other)
    {
        if (other.Length == 0)
        {
            return mine;
        }

        mine = Grow(mine, other.Length);
        for (var i = 0; i < other.Length; i++)
        {
            mine[i] += other[i];
        }

        return mine;
    }

    /// <summary>Like <see cref="LatencyQuantileMs"/>, for the shadow scoring time.</summary>
    public double? ShadowLatencyQuantileMs(double quantile) => Quantile(ShadowLatency, quantile);

    private static double? Quantile(long[] histogram, double quantile)
    {
        var total = histogram.Sum();
        if (total == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < histogram.Length; i++)
        {
            seen += histogram[i];
            if (seen >= rank)
            {
                return LatencyBoundsMs[Math.Min(i, LatencyBoundsMs.Length - 1)];
            }
        }

        return LatencyBoundsMs[^1];
    }

    /// <summary>Classification: right labelled predictions over labelled ones; null without any.</summary>
    public double? Accuracy => Labelled == 0 ? null : (double)Correct / Labelled;

    /// <summary>Failed requests over all requests; null without any.</summary>
    public double? ErrorRate => Requests + Errors == 0 ? null : (double)Errors / (Requests + Errors);
}
