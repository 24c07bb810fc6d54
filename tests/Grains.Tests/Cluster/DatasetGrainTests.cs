using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class DatasetGrainTests(ClusterFixture fixture)
{
    private IClusterClient Grains => fixture.Client;

    [Fact]
    public async Task Upload_InfersSchemaWithStatistics()
    {
        var name = TestData.Name("mixed");
        string[] cities = ["Paris", "Lyon", "Nice"];
        string[] reviews = ["great service and fast answers", "slow to reply and rude on the phone", "would recommend to my friends",
            "not happy with the last bill", "the app crashes every morning", "friendly staff at the shop", "too expensive for what it is",
            "fixed my problem in minutes", "billing errors twice this year", "best provider I have had"];
        var csv = "id,age,income,member,city,review,churned\n" + string.Concat(Enumerable.Range(0, 10).Select(i =>
            $"{i + 1},{29 + i * 2},{(i == 3 ? "" : (40000 + i * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture))},{(i % 2 == 0 ? "yes" : "no")},{cities[i % 3]},{reviews[i]},{(i % 3 == 0 ? "yes" : "no")}\n"));

        var result = await Grains.UploadDatasetAsync(name, csv);

        Assert.True(result.Created);
        var v = result.Version;
        Assert.Equal((name, 1, 10L), (v.Name, v.Version, v.Rows));
        var columns = v.Columns.ToDictionary(c => c.Name);
        Assert.Equal(ColumnKind.Numeric, columns["age"].Kind);
        Assert.Equal((29.0, 47.0), (columns["age"].Min, columns["age"].Max));
        Assert.Equal(1, columns["income"].Missing);
        Assert.Equal(ColumnKind.Boolean, columns["member"].Kind);
        Assert.Equal(ColumnKind.Categorical, columns["city"].Kind);
        Assert.Equal(ColumnKind.Text, columns["review"].Kind);
        Assert.Equal(64, v.ContentHash.Length);
    }

    [Fact]
    public async Task Upload_ArrivingInSmallReads_AcrossAChunkBoundary_KeepsEveryByte_AndItsHash()
    {
        // The upload's buffer grows with what arrives (16 KiB, 64 KiB, 256 KiB, then chunks of 1 MiB): a body of a chunk and
        // a third (under the test cluster's 2 MB limit), read 1,000 bytes at a time, crosses every step and a chunk boundary.
        var name = TestData.Name("chunks");
        var header = "id,x,label\n";
        var rows = new System.Text.StringBuilder(header);
        var count = 0;
        while (rows.Length < ClusterClientExtensions.UploadChunkBytes + 345_678)
        {
            rows.Append(System.Globalization.CultureInfo.InvariantCulture, $"{count},{count * 0.5},{(count % 3 == 0 ? "yes" : "no")}\n");
            count++;
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(rows.ToString());
        var result = await Grains.UploadDatasetAsync(name, new SmallReads(bytes, 1_000));

        Assert.Equal(count, result.Version.Rows);
        Assert.Equal(bytes.Length, result.Version.SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), result.Version.ContentHash);
    }

    [Fact]
    public async Task Upload_OfIdenticalContent_ReturnsTheExistingVersion()
    {
        var name = TestData.Name("dedup");
        var csv = TestData.Binary(50);

        var first = await Grains.UploadDatasetAsync(name, csv);
        var second = await Grains.UploadDatasetAsync(name, csv);
        var third = await Grains.UploadDatasetAsync(name, TestData.Binary(50, seed: 9));

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal((first.Version.Version, first.Version.ContentHash), (second.Version.Version, second.Version.ContentHash));
        Assert.Equal(2, third.Version.Version);
        Assert.Equal(2, (await Grains.GetGrain<IDatasetGrain>(name).GetAsync()).Versions.Length);
    }

    [Fact]
    public async Task Preview_ReturnsSampleRowsInCsvValues()
    {
        var name = TestData.Name("preview");
        await Grains.UploadDatasetAsync(name, "a,b\n1,x\n2,\n");

        var preview = await Grains.GetGrain<IDatasetGrain>(name).PreviewAsync(1, 5);

        Assert.Equal(2, preview.SampleRows.Length);
        Assert.Equal("x", preview.SampleRows[0]["b"]);
        Assert.Null(preview.SampleRows[1]["b"]);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a,b,c\n", "no data rows")]
    [InlineData("a,b,c\n1,2,3\n4,5\n", "line 3")]
    [InlineData("x,name\n1,a\n2,\"oops\n3,c\n4,d\n", "The quote opened on line 3 (column 'name') is never closed")]
    [InlineData("x,name\n1,ab\"c\n2,d\n", "Line 2, column 'name' has a quote (\") inside a value that does not start with one")]
    public async Task Upload_OfMalformedCsv_IsRejectedAndCreatesNothing(string csv, string expected)
    {
        var name = TestData.Name("bad");

        var error = await Assert.ThrowsAsync<InvalidDatasetException>(() => Grains.UploadDatasetAsync(name, csv));

        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
        await Assert.ThrowsAsync<DatasetNotFoundException>(() => Grains.GetGrain<IDatasetGrain>(name).GetAsync());
    }

    [Fact]
    public async Task Upload_OfBytesThatAreNotUtf8_IsRejectedNamingTheLine_AndCreatesNothing()
    {
        var name = TestData.Name("latin1");

        var error = await Assert.ThrowsAsync<InvalidDatasetException>(
            () => Grains.UploadDatasetAsync(name, new MemoryStream(System.Text.Encoding.Latin1.GetBytes("name,n\nx,1\ncaf\u00e9,2\n"))));

        Assert.Contains("Line 3 is not valid UTF-8", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<DatasetNotFoundException>(() => Grains.GetGrain<IDatasetGrain>(name).GetAsync());
        Assert.Equal(0, (await fixture.Artifacts.GetUsageAsync()).StagedUploads);
    }

    [Fact]
    public async Task Upload_OverTheSizeLimit_IsRejectedWithTheLimitNamed()
    {
        var name = TestData.Name("huge");
        var csv = "a,b\n" + string.Concat(Enumerable.Repeat("1234567890,1234567890\n", 150_000));

        var error = await Assert.ThrowsAsync<PayloadTooLargeException>(() => Grains.UploadDatasetAsync(name, csv));

        Assert.Contains("2 MB", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<DatasetNotFoundException>(() => Grains.GetGrain<IDatasetGrain>(name).GetAsync());
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("")]
    public async Task Upload_WithPathCharactersInTheName_IsRejected(string name)
    {
        await Assert.ThrowsAsync<InvalidNameException>(() => Grains.UploadDatasetAsync(name, "a\n1\n"));
    }

    [Fact]
    public async Task UnknownVersion_IsNotFound_NamingTheRange()
    {
        var name = TestData.Name("range");
        await Grains.UploadDatasetAsync(name, "a\n1\n");

        var error = await Assert.ThrowsAsync<DatasetNotFoundException>(() => Grains.GetGrain<IDatasetGrain>(name).GetVersionAsync(3));

        Assert.Contains("versions 1 to 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VersionBelowOne_IsAnInvalidVersionNumber_NamingTheArgument()
    {
        var name = TestData.Name("below-one");
        await Grains.UploadDatasetAsync(name, "a\n1\n");
        var dataset = Grains.GetGrain<IDatasetGrain>(name);

        var zero = await Assert.ThrowsAsync<InvalidVersionNumberException>(() => dataset.GetVersionAsync(0));
        var negative = await Assert.ThrowsAsync<InvalidVersionNumberException>(() => dataset.PreviewAsync(-1));
        var against = await Assert.ThrowsAsync<InvalidVersionNumberException>(() => dataset.GetDriftAsync(1, -2));
        var deleted = await Assert.ThrowsAsync<InvalidVersionNumberException>(() => dataset.DeleteVersionAsync(0));

        Assert.Equal(("version", "version must be a version number: versions start at 1 (got 0)."), (zero.Field, zero.Message));
        Assert.Equal("version must be a version number: versions start at 1 (got -1).", negative.Message);
        Assert.Equal(("against", "against must be a version number: versions start at 1 (got -2)."), (against.Field, against.Message));
        Assert.Equal("version", deleted.Field);
        Assert.Single((await dataset.GetAsync()).Versions, v => !v.IsDeleted);
    }

    /// <summary>A stream that hands out at most <paramref name="most"/> bytes a read, as a slow client's body does.</summary>
    private sealed class SmallReads(byte[] bytes, int most) : MemoryStream(bytes, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, most)], cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, most));
    }
}
