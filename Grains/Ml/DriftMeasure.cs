using System.Collections.Immutable;
using System.Globalization;

namespace OrleansMl.Ml;

/// <summary>
/// The drift report of a dataset version against a reference version: each column of the version counted in the
/// bins of the reference's histogram and compared by <see cref="Histograms.Psi"/>.
/// </summary>
public static class DriftMeasure
{
    /// <summary>Label of the bin of cells without a value.</summary>
    public const string MissingBin = "(missing)";

    /// <summary>Label of the bin of categories the reference does not keep by name.</summary>
    public const string OtherBin = "(other)";

    /// <param name="reference">The reference version's columns; their histograms define the bins.</param>
    /// <param name="referenceFrame">The reference version's rows, needed only when a column that keeps a histogram has none stored.</param>
    /// <param name="frame">The measured version's rows.</param>
    public static (ImmutableArray<ColumnDrift> Columns, double? MaxPsi, string? MaxColumn) Measure(
        ImmutableArray<ColumnInfo> reference, DatasetFrame? referenceFrame, DatasetFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var columns = ImmutableArray.CreateBuilder<ColumnDrift>(reference.Length);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        double? max = null;
        string? maxColumn = null;
        foreach (var info in reference)
        {
            seen.Add(info.Name);
            var column = frame.Columns.FirstOrDefault(c => c.Name == info.Name);
            var drift = column is null
                ? new ColumnDrift(info.Name, info.Kind, null, DriftStatus.Removed, info.Kind, [], [], [])
                : Column(info, HistogramOf(info, referenceFrame), column);
            columns.Add(drift);
            if (drift.Psi is { } psi && (max is null || psi > max))
            {
                (max, maxColumn) = (psi, info.Name);
            }
        }

        foreach (var column in frame.Columns.Where(c => !seen.Contains(c.Name)))
        {
            columns.Add(new ColumnDrift(column.Name, column.Kind, null, DriftStatus.Added, null, [], [], []));
        }

        return (columns.ToImmutable(), max, maxColumn);
    }

    /// <summary>Whether measuring against <paramref name="reference"/> needs the reference's rows (a histogram was never stored).</summary>
    public static bool NeedsReferenceRows(ImmutableArray<ColumnInfo> reference) =>
        reference.Any(c => c.Histogram is null && KeepsHistogram(c.Kind));

    private static bool KeepsHistogram(ColumnKind kind) => kind is ColumnKind.Numeric or ColumnKind.Boolean or ColumnKind.Categorical;

    private static ColumnHistogram? HistogramOf(ColumnInfo info, DatasetFrame? referenceFrame) =>
        info.Histogram ?? (KeepsHistogram(info.Kind) && referenceFrame?.Columns.FirstOrDefault(c => c.Name == info.Name) is { } column
            ? Histograms.Of(column, info.Kind)
            : null);

    private static ColumnDrift Column(ColumnInfo info, ColumnHistogram? reference, FrameColumn column)
    {
        if (reference is null)
        {
            return new ColumnDrift(info.Name, column.Kind, null, DriftStatus.Unmeasured, info.Kind, [], [], []);
        }

        var (counts, missing) = Histograms.Recount(reference, column);
        var psi = Histograms.Psi(reference, counts, missing);
        return new ColumnDrift(
            info.Name,
            column.Kind,
            psi,
            DriftStatus.Measured,
            info.Kind,
            Labels(reference, info.Kind),
            Shares(reference.Counts.AsSpan(), reference.Missing),
            Shares(counts, missing));
    }

    private static ImmutableArray<double> Shares(ReadOnlySpan<long> counts, long missing)
    {
        var total = missing;
        foreach (var c in counts)
        {
            total += c;
        }

        var shares = new double[counts.Length + 1];
        for (var b = 0; b < counts.Length; b++)
        {
            shares[b] = total == 0 ? 0 : (double)counts[b] / total;
        }

        shares[^1] = total == 0 ? 0 : (double)missing / total;
        return ImmutableArray.Create(shares);
    }

    private static ImmutableArray<string> Labels(ColumnHistogram histogram, ColumnKind kind)
    {
        var labels = ImmutableArray.CreateBuilder<string>(histogram.Bins + 1);
        if (!histogram.IsNumeric)
        {
            labels.AddRange(histogram.Categories);
            labels.Add(OtherBin);
        }
        else if (kind == ColumnKind.Boolean && histogram.Cuts is [1.0])
        {
            labels.Add("false");
            labels.Add("true");
        }
        else
        {
            var cuts = histogram.Cuts;
            for (var b = 0; b < histogram.Bins; b++)
            {
                labels.Add(cuts.Length == 0 ? "all values"
                    : b == 0 ? $"< {Number(cuts[0])}"
                    : b == cuts.Length ? $">= {Number(cuts[^1])}"
                    : $"[{Number(cuts[b - 1])}, {Number(cuts[b])})");
            }
        }

        labels.Add(MissingBin);
        return labels.MoveToImmutable();
    }

    private static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
