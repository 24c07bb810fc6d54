using System.Diagnostics;
using System.Globalization;
using System.Text;
using OrleansMl.Ml;
using OrleansMl.Tests.Ml;

namespace OrleansMl.Benchmarks;

/// <summary>
/// Appending a batch of rows to a large dataset version (the cached version's parsed rows plus the new ones) against
/// the alternative, uploading the whole concatenated CSV again (parsed from scratch), side by side in one run.
/// </summary>
public static class AppendBenchmark
{
    public static async Task RunAsync(IGrainFactory grains, int rows, int batch, int rounds)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var lines = SyntheticData.ToCsv(SyntheticData.ClassificationFrame(rows + (batch * rounds))).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0] + "\n";
        string Rows(int from, int count) => string.Concat(lines.Skip(1 + from).Take(count).Select(l => l + "\n"));
        var initial = header + Rows(0, rows);
        Console.WriteLine($"append benchmark: {rows:N0} rows x 20 features ({initial.Length / 1e6:F1} MB of CSV), {rounds} rounds of {batch:N0} appended rows");

        // In memory only (no storage, no grain): what an append computes against what a re-upload parses.
        var options = new CsvReadOptions();
        var frame = CsvFrameReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(initial)), options);
        var columns = frame.Columns.Select(c => c.Name).ToList();
        var batchText = Encoding.UTF8.GetBytes(Rows(rows, batch));
        var wholeText = Encoding.UTF8.GetBytes(initial + Rows(rows, batch));
        var merges = new List<double>();
        var parses = new List<double>();
        for (var round = 0; round < Math.Max(3, rounds); round++)
        {
            var merge = Stopwatch.StartNew();
            var merged = FrameAppender.Append(frame, FrameAppender.ReadBack(batchText, columns.Count, ',', options), options, "bench");
            merges.Add(merge.Elapsed.TotalMilliseconds);
            var parse = Stopwatch.StartNew();
            var parsed = CsvFrameReader.Read(new MemoryStream(wholeText), options);
            parses.Add(parse.Elapsed.TotalMilliseconds);
            if (merged.RowCount != parsed.RowCount)
            {
                throw new InvalidOperationException("The merged frame and the parsed one differ in rows.");
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"engine only: {batch:N0} rows appended to the parsed {rows:N0} (statistics and histograms over all rows): median {Median(merges):F0} ms; parse of the whole CSV: median {Median(parses):F0} ms"));

        var upload = Stopwatch.StartNew();
        await grains.UploadDatasetAsync("bench-append", initial);
        Console.WriteLine($"first upload (parse of {rows:N0} rows): {upload.Elapsed.TotalMilliseconds:F0} ms");

        var appends = new List<double>();
        var reuploads = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var added = Rows(rows + (round * batch), batch);
            var append = Stopwatch.StartNew();
            var appended = await grains.AppendRowsAsync("bench-append", header + added, RowsFormat.Csv);
            appends.Add(append.Elapsed.TotalMilliseconds);

            // The alternative: the whole data sent and parsed again as a new upload.
            var whole = header + Rows(0, rows + ((round + 1) * batch));
            var reupload = Stopwatch.StartNew();
            var uploaded = await grains.UploadDatasetAsync("bench-reupload", whole);
            reuploads.Add(reupload.Elapsed.TotalMilliseconds);
            if (uploaded.Version.ContentHash != appended.Version.ContentHash)
            {
                throw new InvalidOperationException("The appended version differs from an upload of the same rows.");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {round + 1}: append {batch:N0} rows onto {appended.Version.Rows - batch:N0}: {appends[^1]:F0} ms; re-upload of all {uploaded.Version.Rows:N0} rows: {reuploads[^1]:F0} ms"));
        }

        var a = Median(appends);
        var r = Median(reuploads);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"append of {batch:N0} rows: median {a:F0} ms; re-upload of the whole CSV: median {r:F0} ms; append takes {100 * a / r:F0}% of the re-upload ({r / a:F1}x faster)"));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
