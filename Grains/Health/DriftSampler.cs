using System.Globalization;
using OrleansMl.Ml;

namespace OrleansMl.Health;

/// <summary>
/// Counts a sample of the rows a version serves into the bins of its training data's histograms (kept in the
/// version's signature), so that live input drift (PSI per feature) costs a few binary searches per request and no
/// grain call. At most <see cref="RowsPerRequest"/> evenly spaced rows of a request are counted. One sampler belongs to
/// one predictor replica (not shared between threads); the counts it adds to are this silo's, shared by every replica
/// and taken by <see cref="PredictionStats.Take"/>.
/// </summary>
public sealed class DriftSampler
{
    /// <summary>Rows of one request counted at most: enough for PSI at any traffic, bounded cost for large batches.</summary>
    public const int RowsPerRequest = 8;

    private readonly InputCounts _counts;
    private string[] _columns = [];
    private int[] _columnOf = [];

    public DriftSampler(InputCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        _counts = counts;
    }

    /// <summary>Counts a sample of the batch's rows; columns the version was not trained on are ignored.</summary>
    public void Observe(PredictionBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var inputs = _counts.References;
        if (inputs.Length == 0 || batch.Rows <= 0)
        {
            return;
        }

        var columnOf = Map(batch.Columns);
        var stride = Math.Max(1, batch.Rows / RowsPerRequest);
        for (var row = 0; row < batch.Rows; row += stride)
        {
            for (var i = 0; i < inputs.Length; i++)
            {
                var c = columnOf[i];
                var value = c >= 0 && batch.Has(row, c) ? batch.Cell(row, c) : FeatureValue.Missing;
                var bins = _counts.Bins[i];
                var bin = Bin(inputs[i], value);
                Interlocked.Increment(ref bins[bin < 0 ? bins.Length - 1 : bin]);
            }
        }
    }

    /// <summary>The bin of a served value in a reference histogram, or -1 when it is missing (or not a number where one is expected).</summary>
    public static int Bin(ColumnHistogram reference, FeatureValue value)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (value.IsMissing)
        {
            return -1;
        }

        if (reference.IsNumeric)
        {
            return value.Kind switch
            {
                FeatureValueKind.Number or FeatureValueKind.Boolean => Histograms.NumericBin(reference, value.Number),
                _ when double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => Histograms.NumericBin(reference, number),
                _ => -1,
            };
        }

        return Histograms.CategoryBin(reference, value.Kind == FeatureValueKind.String ? value.Text! : value.ToString());
    }

    // Requests of one client usually send the same columns in the same order: the mapping is reused then.
    private int[] Map(System.Collections.Immutable.ImmutableArray<string> columns)
    {
        if (columns.AsSpan().SequenceEqual(_columns))
        {
            return _columnOf;
        }

        var names = _counts.Names;
        var columnOf = new int[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            columnOf[i] = columns.IndexOf(names[i]);
        }

        _columns = [.. columns];
        _columnOf = columnOf;
        return columnOf;
    }
}

/// <summary>
/// One silo's live counts of a version's inputs in the bins of their reference histograms: per input, one slot per bin
/// and a last one for missing values.
/// </summary>
public sealed class InputCounts
{
    public InputCounts(ModelSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var inputs = signature.Inputs.Where(i => i.Reference is { Bins: > 0 }).ToArray();
        Names = [.. inputs.Select(i => i.Name)];
        References = [.. inputs.Select(i => i.Reference!)];
        Bins = [.. References.Select(r => new long[r.Bins + 1])];
    }

    public string[] Names { get; }

    public ColumnHistogram[] References { get; }

    public long[][] Bins { get; }

    /// <summary>The counts since the last call, by input name, and resets them; null when nothing was counted.</summary>
    public Dictionary<string, long[]>? Take()
    {
        Dictionary<string, long[]>? taken = null;
        for (var i = 0; i < Names.Length; i++)
        {
            var source = Bins[i];
            var copy = new long[source.Length];
            long total = 0;
            for (var b = 0; b < source.Length; b++)
            {
                total += copy[b] = Interlocked.Exchange(ref source[b], 0);
            }

            if (total > 0)
            {
                (taken ??= new(StringComparer.Ordinal))[Names[i]] = copy;
            }
        }

        return taken;
    }
}
