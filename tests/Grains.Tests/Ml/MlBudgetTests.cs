using System.Diagnostics;
using System.Text;
using OrleansMl.Ml;
using Xunit.Abstractions;

namespace OrleansMl.Tests.Ml;

/// <summary>The engine's performance budgets, measured on this machine and asserted.</summary>
[Trait("Category", "Benchmark")]
public class MlBudgetTests(ITestOutputHelper output)
{
    [BenchmarkFact]
    public void CsvReader_ParsesAtLeastHalfAMillionRowsPerSecond_With20NumericColumns()
    {
        const int rows = 500_000;
        var bytes = Encoding.UTF8.GetBytes(SyntheticData.ToCsv(SyntheticData.ClassificationFrame(rows, features: 19)));
        CsvFrameReader.Read(new MemoryStream(bytes, 0, Array.IndexOf(bytes, (byte)'\n', bytes.Length / 20) + 1), new CsvReadOptions());

        var best = double.MaxValue;
        for (var run = 0; run < 3; run++)
        {
            var watch = Stopwatch.StartNew();
            var frame = CsvFrameReader.Read(new MemoryStream(bytes), new CsvReadOptions());
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
            Assert.Equal(rows, frame.RowCount);
            Assert.Equal(20, frame.Columns.Length);
            Assert.All(frame.Columns, c => Assert.Equal(ColumnKind.Numeric, c.Kind));
        }

        var rate = rows / best;
        output.WriteLine($"CSV: {rows} rows x 20 numeric columns ({bytes.Length / 1e6:F0} MB) in {best:F3} s = {rate / 1e6:F2} M rows/s");
        Assert.True(rate >= 500_000, $"{rate:F0} rows/s");
    }
}
