using System.Collections.Immutable;
using System.Text;
using OrleansMl.Ml;
using OrleansMl.Tests.Cluster;

namespace OrleansMl.Tests.Ml;

public class DriftMeasureTests
{
    private static DatasetFrame Parse(string csv) =>
        CsvFrameReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(csv)), new CsvReadOptions());

    [Fact]
    public void AReferenceWithoutStoredHistograms_IsMeasuredFromItsRows_AsIfTheyHadBeenStored()
    {
        var reference = Parse(DatasetDriftTests.Sample(2000, seed: 1));
        var measured = Parse(DatasetDriftTests.Sample(2000, seed: 2, shift: 0.5, redShare: 0.3));
        var legacy = reference.Schema.Select(c => c with { Histogram = null }).ToImmutableArray();

        var stored = DriftMeasure.Measure(reference.Schema, null, measured);
        var rebuilt = DriftMeasure.Measure(legacy, reference, measured);

        Assert.True(DriftMeasure.NeedsReferenceRows(legacy));
        Assert.False(DriftMeasure.NeedsReferenceRows(reference.Schema));
        Assert.Equal(stored.MaxPsi, rebuilt.MaxPsi);
        Assert.Equal(stored.MaxColumn, rebuilt.MaxColumn);
        Assert.Equal(stored.Columns.Select(c => (c.Column, c.Psi)), rebuilt.Columns.Select(c => (c.Column, c.Psi)));
        Assert.All(rebuilt.Columns, c => Assert.Equal(DriftStatus.Measured, c.Status));
    }

    [Fact]
    public void IdenticalData_HasZeroDrift_AndTextColumnsAreReportedUnmeasured()
    {
        var csv = "n,note\n" + string.Concat(Enumerable.Range(0, 200).Select(i => $"{i % 17},free text number {i} here\n"));
        var frame = Parse(csv);

        var (columns, max, column) = DriftMeasure.Measure(frame.Schema, null, frame);

        Assert.Equal(0, max);
        Assert.Equal("n", column);
        Assert.Equal(DriftStatus.Unmeasured, columns.Single(c => c.Column == "note").Status);
        Assert.Empty(columns.Single(c => c.Column == "note").Bins);
    }
}
