using OrleansMl.Ml;

namespace OrleansMl.Tests.Ml;

public class HistogramsTests
{
    [Fact]
    public void NumericHistogram_CutsAtDeciles_CountsEveryValue_AndKeepsMissingApart()
    {
        var values = Enumerable.Range(0, 1000).Select(i => (float)i).Append(float.NaN).Append(float.NaN).ToArray();

        var histogram = Histograms.Numeric(values);

        Assert.Equal([100d, 200, 300, 400, 500, 600, 700, 800, 900], histogram.Cuts.ToArray());
        Assert.Equal(10, histogram.Bins);
        Assert.All(histogram.Counts, c => Assert.Equal(100L, c));
        Assert.Equal(2, histogram.Missing);
        Assert.Equal(0, Histograms.NumericBin(histogram, -5));
        Assert.Equal(1, Histograms.NumericBin(histogram, 100));
        Assert.Equal(9, Histograms.NumericBin(histogram, 1e9));
    }

    [Fact]
    public void NumericHistogram_OfFewDistinctValues_GivesEachValueItsOwnBin()
    {
        var values = Enumerable.Range(0, 400).Select(i => (float)(i % 4)).ToArray();

        var histogram = Histograms.Numeric(values);

        Assert.Equal([1d, 2, 3], histogram.Cuts.ToArray());
        Assert.Equal([100L, 100, 100, 100], histogram.Counts.ToArray());
    }

    [Fact]
    public void CategoricalHistogram_KeepsTheMostFrequent_AndPoolsTheRestInOther()
    {
        var values = Enumerable.Range(0, 25).Select(i => $"c{i}").ToList();
        var counts = Enumerable.Range(0, 25).Select(i => (long)(100 - i)).ToList();

        var histogram = Histograms.Categorical(values, counts, missing: 3);

        Assert.Equal(Histograms.TopCategories, histogram.Categories.Length);
        Assert.Equal("c0", histogram.Categories[0]);
        Assert.Equal(Histograms.TopCategories + 1, histogram.Bins);
        Assert.Equal(counts.Skip(Histograms.TopCategories).Sum(), histogram.Counts[^1]);
        Assert.Equal(Histograms.TopCategories, Histograms.CategoryBin(histogram, "unseen"));
        Assert.Equal(3, histogram.Missing);
    }

    [Fact]
    public void Psi_IsZeroForTheSameDistribution_SmallForASample_AndLargeForAShift()
    {
        var random = new Random(7);
        float[] Normal(int n, double mean) =>
            [.. Enumerable.Range(0, n).Select(_ => (float)(mean + (Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))))];
        var reference = Histograms.Numeric(Normal(20_000, 0));

        var same = Histograms.Psi(reference, reference.Counts.AsSpan(), reference.Missing);
        var sample = Recount(reference, Normal(5_000, 0));
        var shifted = Recount(reference, Normal(5_000, 1));

        Assert.Equal(0, same!.Value, 12);
        Assert.InRange(sample, 0, 0.02);
        Assert.InRange(shifted, 0.5, 10);
    }

    [Fact]
    public void Psi_CountsAColumnThatTurnsMissing_AsDrift()
    {
        var reference = Histograms.Numeric([.. Enumerable.Range(0, 1000).Select(i => (float)i)]);
        var halfMissing = Enumerable.Range(0, 1000).Select(i => i % 2 == 0 ? float.NaN : i).ToArray();

        Assert.InRange(Recount(reference, halfMissing), 2, 10);
    }

    [Fact]
    public void Psi_RefusesCountsOfOtherBins_AndIsNullWithoutRows()
    {
        var reference = Histograms.Numeric([1, 2, 3, 4]);

        Assert.Throws<ArgumentException>(() => Histograms.Psi(reference, new long[reference.Bins + 1], 0));
        Assert.Null(Histograms.Psi(reference, new long[reference.Bins], 0));
    }

    private static double Recount(ColumnHistogram reference, float[] values)
    {
        var (counts, missing) = Histograms.Recount(reference, FrameColumn.Numeric(Info(), values));
        return Histograms.Psi(reference, counts, missing)!.Value;
    }

    private static ColumnInfo Info() => new("x", ColumnKind.Numeric, 0, 0, 0, null, null, null, null, []);
}
