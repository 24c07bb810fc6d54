using System.Collections.Immutable;

namespace OrleansMl.Ml;

/// <summary>
/// Builds the reference histograms kept with every dataset version, places values in their bins, and measures the
/// population stability index (PSI) between a reference and a later sample: the one definition of drift used by the
/// dataset drift report, the schedules' drift trigger and live model health.
/// </summary>
public static class Histograms
{
    /// <summary>Cut points of a numeric histogram: the deciles of the values.</summary>
    public const int NumericBins = 10;

    /// <summary>Categories kept by name; every other value shares the last bin.</summary>
    public const int TopCategories = 20;

    /// <summary>Values sampled (evenly spaced) to place the cut points of a large column.</summary>
    public const int CutSample = 1 << 14;

    /// <summary>Share given to an empty bin so that PSI stays finite.</summary>
    public const double EmptyShare = 1e-4;

    /// <summary>The histogram of a numeric or boolean column: decile cuts, then every value counted.</summary>
    public static ColumnHistogram Numeric(ReadOnlySpan<float> values)
    {
        var sample = new List<float>(Math.Min(values.Length, CutSample));
        var stride = Math.Max(1, values.Length / CutSample);
        for (var i = 0; i < values.Length; i += stride)
        {
            if (!float.IsNaN(values[i]))
            {
                sample.Add(values[i]);
            }
        }

        sample.Sort();
        var cuts = new List<double>(NumericBins);
        for (var q = 1; q < NumericBins && sample.Count > 0; q++)
        {
            double cut = sample[Math.Min(sample.Count - 1, (int)((long)q * sample.Count / NumericBins))];
            // A cut at the smallest value would only open an empty first bin.
            if (cut > sample[0] && (cuts.Count == 0 || cut > cuts[^1]))
            {
                cuts.Add(cut);
            }
        }

        var histogram = new ColumnHistogram([.. cuts], [], [.. new long[cuts.Count + 1]], 0);
        var counts = new long[histogram.Bins];
        long missing = 0;
        foreach (var value in values)
        {
            if (float.IsNaN(value))
            {
                missing++;
            }
            else
            {
                counts[NumericBin(histogram, value)]++;
            }
        }

        return histogram with { Counts = ImmutableArray.Create(counts), Missing = missing };
    }

    /// <summary>The histogram of a categorical column from its distinct values and how often each occurs.</summary>
    public static ColumnHistogram Categorical(IReadOnlyList<string> values, IReadOnlyList<long> counts, long missing)
    {
        var order = Enumerable.Range(0, values.Count)
            .OrderByDescending(c => counts[c])
            .ThenBy(c => values[c], StringComparer.Ordinal)
            .ToList();
        var kept = order.Take(TopCategories).ToList();
        var bins = new long[kept.Count + 1];
        for (var i = 0; i < kept.Count; i++)
        {
            bins[i] = counts[kept[i]];
        }

        bins[^1] = order.Skip(TopCategories).Sum(c => counts[c]);
        return new ColumnHistogram([], [.. kept.Select(c => values[c])], ImmutableArray.Create(bins), missing);
    }

    /// <summary>
    /// The histogram a column of <paramref name="kind"/> keeps, built from its parsed values (for versions stored before
    /// histograms were kept); null for kinds that keep none (text, ignored).
    /// </summary>
    public static ColumnHistogram? Of(FrameColumn column, ColumnKind kind)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (kind is ColumnKind.Numeric or ColumnKind.Boolean && column.Numbers is { } numbers)
        {
            return Numeric(numbers);
        }

        if (kind == ColumnKind.Categorical && column.Codes is { } codes)
        {
            var counts = new long[column.Dictionary!.Length];
            long missing = 0;
            foreach (var code in codes)
            {
                if (code < 0)
                {
                    missing++;
                }
                else
                {
                    counts[code]++;
                }
            }

            return Categorical(column.Dictionary, counts, missing);
        }

        return null;
    }

    /// <summary>The bin of a number in a numeric histogram: how many cuts lie at or below it.</summary>
    public static int NumericBin(ColumnHistogram histogram, double value)
    {
        var cuts = histogram.Cuts.AsSpan();
        int low = 0, high = cuts.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (cuts[mid] <= value)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    /// <summary>The bin of a category: its position among the kept categories, or the last ("other") bin.</summary>
    public static int CategoryBin(ColumnHistogram histogram, string value)
    {
        var index = histogram.Categories.IndexOf(value, StringComparer.Ordinal);
        return index >= 0 ? index : histogram.Bins - 1;
    }

    /// <summary>
    /// Counts a later sample of the same column in the reference's bins, so the two can be compared by
    /// <see cref="Psi(ColumnHistogram, ReadOnlySpan{long}, long)"/>.
    /// </summary>
    public static (long[] Counts, long Missing) Recount(ColumnHistogram reference, FrameColumn column)
    {
        var counts = new long[reference.Bins];
        long missing = 0;
        if (column.Numbers is { } numbers)
        {
            foreach (var value in numbers)
            {
                if (float.IsNaN(value))
                {
                    missing++;
                }
                else if (reference.IsNumeric)
                {
                    counts[NumericBin(reference, value)]++;
                }
                else
                {
                    counts[^1]++;
                }
            }

            return (counts, missing);
        }

        var dictionary = column.Dictionary!;
        var bins = new int[dictionary.Length];
        for (var code = 0; code < dictionary.Length; code++)
        {
            bins[code] = reference.IsNumeric
                ? (double.TryParse(dictionary[code], System.Globalization.CultureInfo.InvariantCulture, out var number)
                    ? NumericBin(reference, number)
                    : reference.Bins - 1)
                : CategoryBin(reference, dictionary[code]);
        }

        foreach (var code in column.Codes!)
        {
            if (code < 0)
            {
                missing++;
            }
            else
            {
                counts[bins[code]]++;
            }
        }

        return (counts, missing);
    }

    /// <summary>
    /// Population stability index of a sample against a reference over the same bins (missing values are a bin of
    /// their own): Σ (a − e) · ln(a / e) over the shares a (sample) and e (reference), with empty bins given a share
    /// of <see cref="EmptyShare"/>. Under 0.1 is usually read as stable, over 0.2 as a shift worth acting on. Null
    /// when either side has no rows.
    /// </summary>
    public static double? Psi(ColumnHistogram reference, ReadOnlySpan<long> counts, long missing)
    {
        if (counts.Length != reference.Bins)
        {
            throw new ArgumentException($"The sample has {counts.Length} bins where the reference has {reference.Bins}.", nameof(counts));
        }

        long expectedTotal = reference.Missing;
        foreach (var c in reference.Counts)
        {
            expectedTotal += c;
        }

        long actualTotal = missing;
        foreach (var c in counts)
        {
            actualTotal += c;
        }

        if (expectedTotal == 0 || actualTotal == 0)
        {
            return null;
        }

        var psi = Term(reference.Missing, expectedTotal, missing, actualTotal);
        for (var b = 0; b < counts.Length; b++)
        {
            psi += Term(reference.Counts[b], expectedTotal, counts[b], actualTotal);
        }

        return psi;
    }

    private static double Term(long expected, long expectedTotal, long actual, long actualTotal)
    {
        var e = Math.Max((double)expected / expectedTotal, EmptyShare);
        var a = Math.Max((double)actual / actualTotal, EmptyShare);
        return (a - e) * Math.Log(a / e);
    }
}
