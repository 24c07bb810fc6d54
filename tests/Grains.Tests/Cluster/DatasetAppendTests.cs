using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class DatasetAppendTests(ClusterFixture fixture)
{
    private const string Header = "id,amount,city,member,note,label";

    private IClusterClient Grains => fixture.Client;

    /// <summary>An id, a numeric with gaps, a categorical, a boolean (yes/no), free text and a label.</summary>
    private static string Rows(int from, int count, int seed, bool header = true)
    {
        var random = new Random(seed);
        string[] cities = ["Paris", "Lyon", "Nice", "Lille"];
        var csv = new StringBuilder(header ? Header + "\n" : string.Empty);
        for (var i = from; i < from + count; i++)
        {
            var amount = random.NextDouble() * 100;
            var cell = i % 17 == 0 ? string.Empty : amount.ToString("F2", CultureInfo.InvariantCulture);
            var member = i % 13 == 0 ? "NA" : random.NextDouble() < 0.4 ? "yes" : "no";
            csv.Append(CultureInfo.InvariantCulture,
                $"{i},{cell},{cities[random.Next(cities.Length)]},{member},customer number {i} wrote in,{(amount > 50 ? "high" : "low")}\n");
        }

        return csv.ToString();
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);

    [Fact]
    public async Task Append_GivesExactlyWhatAFreshUploadOfTheConcatenatedCsvGives_AndTrainsOnIt()
    {
        var (name, fresh, model) = (TestData.Name("append"), TestData.Name("fresh"), TestData.Name("append-m"));
        await Grains.UploadDatasetAsync(name, Rows(0, 600, seed: 1));
        // New rows bring a new city (quoted, with the separator inside), a new spelling of a boolean and missing cells.
        var more = Rows(600, 150, seed: 2, header: false) + "750,12.5,\"Saint-Denis, FR\",Yes,\"a \"\"quoted\"\" note\",low\n751,,Paris,,short,high\n";
        var dataset = Grains.GetGrain<IDatasetGrain>(name);
        var before = await dataset.GetCacheStatsAsync();

        var appended = await Grains.AppendRowsAsync(name, Header + "\n" + more, RowsFormat.Csv);
        var uploaded = await Grains.UploadDatasetAsync(fresh, Rows(0, 600, seed: 1) + more);

        Assert.True(appended.Created);
        var (v, f) = (appended.Version, uploaded.Version);
        Assert.Equal((name, 2, 752L), (v.Name, v.Version, v.Rows));
        Assert.Equal(f.Rows, v.Rows);
        Assert.Equal(f.ContentHash, v.ContentHash);
        Assert.Equal(f.SizeBytes, v.SizeBytes);
        Assert.Equal(Json(f.Columns), Json(v.Columns));
        Assert.All(v.Columns.Where(c => c.Kind is ColumnKind.Numeric or ColumnKind.Boolean or ColumnKind.Categorical), c => Assert.NotNull(c.Histogram));
        Assert.Contains(v.Columns.Single(c => c.Name == "city").TopValues, t => t.Value == "Saint-Denis, FR");
        Assert.Equal(3, v.Columns.Single(c => c.Name == "member").Distinct);

        // The old rows came from the cache: no parse of the stored CSV.
        var after = await dataset.GetCacheStatsAsync();
        Assert.Equal(before.Misses, after.Misses);
        Assert.True(after.Hits > before.Hits);

        var sample = (await dataset.PreviewAsync(2, 10)).SampleRows;
        var freshSample = (await Grains.GetGrain<IDatasetGrain>(fresh).PreviewAsync(1, 10)).SampleRows;
        Assert.Equal(Json(freshSample), Json(sample));

        var queued = await Grains.GetGrain<IModelGrain>(model).TrainAsync(new TrainingRequest(name, 2, "label", Algorithm: TrainingAlgorithm.LightGbm));
        var done = await Eventually.TerminalAsync(Grains, model, queued.Version);
        Assert.Equal(TrainingStatus.Succeeded, done.Status);
        Assert.Equal((name, 2), (done.Spec.Dataset, done.Spec.DatasetVersion));
        Assert.True(done.Metrics["accuracy"] > 0.8, $"accuracy {done.Metrics["accuracy"]}");
    }

    [Fact]
    public async Task Append_AsJson_MakesTheSameVersionAsTheSameRowsAsCsv_AndTheIdempotencyKeyAppendsOnce()
    {
        var (viaJson, viaCsv) = (TestData.Name("append-json"), TestData.Name("append-csv"));
        await Grains.UploadDatasetAsync(viaJson, Rows(0, 50, seed: 3));
        await Grains.UploadDatasetAsync(viaCsv, Rows(0, 50, seed: 3));
        var json = Json(new
        {
            rows = new object[]
            {
                new { id = 50, amount = 71.25, city = "Lyon", member = "no", note = "sent as json", label = "high" },
                new Dictionary<string, object?> { ["id"] = 51, ["amount"] = null, ["city"] = "Nice", ["member"] = "yes", ["note"] = "second one", ["label"] = "low" },
            },
        });

        var first = await Grains.AppendRowsAsync(viaJson, json, RowsFormat.Json, "batch-1");
        var again = await Grains.AppendRowsAsync(viaJson, json, RowsFormat.Json, "batch-1");
        var other = await Assert.ThrowsAsync<IdempotencyConflictException>(() =>
            Grains.AppendRowsAsync(viaJson, json.Replace("71.25", "71.5", StringComparison.Ordinal), RowsFormat.Json, "batch-1"));
        var csv = await Grains.AppendRowsAsync(viaCsv, Header + "\n50,71.25,Lyon,no,sent as json,high\n51,,Nice,yes,second one,low\n", RowsFormat.Csv);

        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal((2, 52L), (again.Version.Version, again.Version.Rows));
        Assert.Contains("other rows", other.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await Grains.GetGrain<IDatasetGrain>(viaJson).GetAsync()).Versions.Length);
        Assert.Equal(csv.Version.ContentHash, first.Version.ContentHash);
        Assert.Equal(Json(csv.Version.Columns), Json(first.Version.Columns));
    }

    [Theory]
    [InlineData("id,amount,city,member,note,label,extra\n1,2,Paris,yes,n,low,9\n", "'extra'")]
    [InlineData("id,amount,city,member,note\n1,2,Paris,yes,n\n", "no column 'label'")]
    [InlineData("id,amount,city,member,note,label\n1,12kg,Paris,yes,n,low\n", "Column 'amount' is numeric")]
    [InlineData("id,amount,city,member,note,label\n1,2,Paris,maybe,n,low\n", "Column 'member' is boolean")]
    [InlineData("id,amount,city,member,note,label\n1,2,Paris,yes,n\n", "Line 2 has 5 fields")]
    [InlineData("id,amount,city,member,note,label\n", "no rows to append")]
    [InlineData("id,amount,city,member,note,label\n1,2,Paris,yes,\"oops,low\n2,3,Lyon,no,n,high\n", "The quote opened on line 2 (column 'note') is never closed")]
    [InlineData("id,amount,city,member,note,label\n1,2,Paris,yes,a\"b,low\n", "Line 2, column 'note' has a quote (\") inside a value")]
    [InlineData("{\"rows\":[{\"id\":1,\"amount\":2,\"city\":\"Paris\",\"member\":\"yes\",\"note\":\"n\"}]}", "no value for column 'label'")]
    [InlineData("{\"rows\":[{\"id\":1,\"amount\":\"x\",\"city\":\"Paris\",\"member\":\"yes\",\"note\":\"n\",\"label\":\"low\"}]}", "Column 'amount' is numeric")]
    [InlineData("{\"rows\":[{\"id\":1,\"amount\":[1],\"city\":\"Paris\",\"member\":\"yes\",\"note\":\"n\",\"label\":\"low\"}]}", "column 'amount' is a JSON array")]
    [InlineData("{\"rows\":[]}", "'rows' is empty")]
    [InlineData("{\"rows\":", "not valid JSON")]
    public async Task Append_ThatDoesNotFitTheSchema_IsRefusedNamingTheProblem_AndCreatesNothing(string rows, string expected)
    {
        var name = TestData.Name("append-bad");
        await Grains.UploadDatasetAsync(name, Rows(0, 40, seed: 4));

        var error = await Assert.ThrowsAsync<InvalidDatasetException>(() =>
            Grains.AppendRowsAsync(name, rows, rows.StartsWith('{') ? RowsFormat.Json : RowsFormat.Csv));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Single((await Grains.GetGrain<IDatasetGrain>(name).GetAsync()).Versions);
        Assert.Equal(0, (await fixture.Artifacts.GetUsageAsync()).StagedUploads);
    }

    [Fact]
    public async Task Append_OfBytesThatAreNotUtf8_IsRefusedNamingTheLine_AndCreatesNothing()
    {
        var name = TestData.Name("append-latin1");
        await Grains.UploadDatasetAsync(name, Rows(0, 40, seed: 4));
        var rows = Encoding.Latin1.GetBytes(Header + "\n1,2,Paris,yes,ok,low\n2,3,Lyon,no,caf\u00e9,high\n");

        var error = await Assert.ThrowsAsync<InvalidDatasetException>(() => Grains.AppendRowsAsync(name, new MemoryStream(rows), RowsFormat.Csv));

        Assert.Contains("Line 3 is not valid UTF-8", error.Message, StringComparison.Ordinal);
        Assert.Single((await Grains.GetGrain<IDatasetGrain>(name).GetAsync()).Versions);
        Assert.Equal(0, (await fixture.Artifacts.GetUsageAsync()).StagedUploads);
    }

    [Fact]
    public async Task Append_GoesOnTheNewestLiveVersion_AndNeedsOne()
    {
        var name = TestData.Name("append-live");
        await Grains.UploadDatasetAsync(name, Rows(0, 30, seed: 5));
        await Grains.UploadDatasetAsync(name, Rows(0, 20, seed: 6));
        var dataset = Grains.GetGrain<IDatasetGrain>(name);
        await dataset.DeleteVersionAsync(2);

        var appended = await Grains.AppendRowsAsync(name, Rows(100, 5, seed: 7), RowsFormat.Csv);
        var missing = await Assert.ThrowsAsync<DatasetNotFoundException>(() => Grains.AppendRowsAsync(TestData.Name("none"), Rows(0, 5, seed: 7), RowsFormat.Csv));

        Assert.Equal((3, 35L), (appended.Version.Version, appended.Version.Rows));
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
        var drift = await dataset.GetDriftAsync(3, DatasetDrift.PreviousVersion);
        Assert.Equal(1, drift.Against);
    }
}
