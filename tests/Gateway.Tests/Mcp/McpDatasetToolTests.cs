namespace OrleansMl.Gateway.Tests.Mcp;

[Collection(GatewayCollection.Name)]
public sealed class McpDatasetToolTests(GatewayFactory factory)
{
    [Fact]
    public async Task CreateDataset_ThenListAndDescribe_ShowSchemaStatisticsAndSamples()
    {
        await using var client = await factory.ConnectMcpAsync();
        var name = McpTestClient.Unique("ds");

        var created = await client.CallOkAsync("create_dataset", new { name, csv = McpTestClient.BinaryCsv(60) });
        var again = await client.CallOkAsync("create_dataset", new { name, csv = McpTestClient.BinaryCsv(60) });
        var listed = await client.CallOkAsync("list_datasets");
        var described = await client.CallOkAsync("describe_dataset", new { name, sampleRows = 3 });

        Assert.True(created["created"]!.GetValue<bool>());
        Assert.Equal(60, created["version"]!["rows"]!.GetValue<int>());
        Assert.False(again["created"]!.GetValue<bool>());
        Assert.Equal(1, again["version"]!["version"]!.GetValue<int>());
        Assert.Contains(listed["datasets"]!.AsArray(), d => d!["name"]!.GetValue<string>() == name);
        Assert.Equal([1], described["versions"]!.AsArray().Select(v => v!.GetValue<int>()));
        var version = described["version"]!;
        Assert.Equal(3, version["sampleRows"]!.AsArray().Count);
        Assert.Equal("numeric", version["columns"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "x1")!["kind"]!.GetValue<string>());
        Assert.Equal("categorical", version["columns"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "color")!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task ADatasetOfValuesAtTheFloat32Limits_HasFiniteStatistics_InRestToolsAndResources()
    {
        var name = McpTestClient.Unique("huge");
        var csv = new System.Text.StringBuilder("x,y\n");
        for (var i = 0; i < 200; i++)
        {
            // The first value is near the float32 limit, so the difference of the next one to it is beyond the limit.
            var x = 1 - (i / 400.0);
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{x},{(i % 2 == 0 ? 1 : -1) * 3.3e38 * x}\n");
        }

        using var http = factory.CreateClient();
        var created = await http.PostCsvAsync($"/api/datasets/{name}", csv.ToString());
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        var y = (await created.ReadJsonAsync())["columns"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "y")!;
        Assert.True(y["mean"]!.GetValueKind() == System.Text.Json.JsonValueKind.Number && y["stdDev"]!.GetValueKind() == System.Text.Json.JsonValueKind.Number, y.ToJsonString());
        Assert.True(y["stdDev"]!.GetValue<double>() > 1e38, y.ToJsonString());

        await using var client = await factory.ConnectMcpAsync();
        var listed = await client.CallOkAsync("list_datasets");
        var described = await client.CallOkAsync("describe_dataset", new { name });
        var read = await client.ReadResourceAsync($"dataset://{name}");

        Assert.Contains(listed["datasets"]!.AsArray(), d => d!["name"]!.GetValue<string>() == name);
        Assert.Equal(y["stdDev"]!.GetValue<double>(), described["version"]!["columns"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "y")!["stdDev"]!.GetValue<double>());
        Assert.Contains("\"stdDev\"", Assert.IsType<ModelContextProtocol.Protocol.TextResourceContents>(Assert.Single(read.Contents)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateDataset_Text_TellsTheModelWhatToCallNext()
    {
        await using var client = await factory.ConnectMcpAsync();

        var result = await client.CallToolAsync("create_dataset", McpTestClient.Arguments(new { name = McpTestClient.Unique("next"), csv = "a,b\n1,2\n3,4\n" }));

        var text = McpTestClient.Text(result);
        Assert.Contains("Created dataset", text, StringComparison.Ordinal);
        Assert.Contains("train_model", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a,b\n1,2\n3\n", "line 3")]
    [InlineData("", "empty")]
    public async Task CreateDataset_WithBadCsv_IsAToolErrorNamingTheProblem(string csv, string expected)
    {
        await using var client = await factory.ConnectMcpAsync();

        var text = await client.CallToolErrorAsync("create_dataset", new { name = McpTestClient.Unique("bad"), csv });

        Assert.Contains(expected, text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Invalid dataset", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateDataset_AboveTheSizeLimit_IsAToolErrorNamingTheLimitAndTheRestAlternative()
    {
        await using var client = await factory.ConnectMcpAsync();
        var name = McpTestClient.Unique("big");
        var csv = "a,b\n" + string.Concat(Enumerable.Repeat("1234567890,1234567890\n", 13_000)); // ~290 KB, the tests allow 256 KB

        var text = await client.CallToolErrorAsync("create_dataset", new { name, csv });

        Assert.Contains("256 KB", text, StringComparison.Ordinal);
        Assert.Contains("/api/datasets/", text, StringComparison.Ordinal);
        Assert.Contains("does not exist", await client.CallToolErrorAsync("describe_dataset", new { name }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeDataset_OfAnUnknownDatasetOrVersion_IsAToolErrorPointingToListDatasets()
    {
        await using var client = await factory.ConnectMcpAsync();
        var name = McpTestClient.Unique("known");
        await client.CallOkAsync("create_dataset", new { name, csv = "a,b\n1,2\n3,4\n" });

        var unknown = await client.CallToolErrorAsync("describe_dataset", new { name = "nobody-has-this" });
        var version = await client.CallToolErrorAsync("describe_dataset", new { name, version = 7 });

        Assert.Contains("'nobody-has-this' does not exist", unknown, StringComparison.Ordinal);
        Assert.Contains("list_datasets", unknown, StringComparison.Ordinal);
        Assert.Contains("no version 7", version, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeDataset_ShowsTheSampleRowsItAdvertises_AndRefusesMore()
    {
        await using var client = await factory.ConnectMcpAsync();
        var name = McpTestClient.Unique("samples");
        await client.CallOkAsync("create_dataset", new { name, csv = McpTestClient.BinaryCsv(30) });

        var described = await client.CallOkAsync("describe_dataset", new { name, sampleRows = DatasetPreview.MaxSampleRows });
        var tooMany = await client.CallInvalidParamsAsync("describe_dataset", new { name, sampleRows = 50 });
        var advertised = (await client.ListToolsAsync()).Single(t => t.Name == "describe_dataset")
            .JsonSchema.GetProperty("properties").GetProperty("sampleRows").GetProperty("description").GetString();

        Assert.Equal(DatasetPreview.MaxSampleRows, described["version"]!["sampleRows"]!.AsArray().Count);
        Assert.Contains($"sampleRows must be from 0 to {DatasetPreview.MaxSampleRows} (got 50); omit it for 5.", tooMany, StringComparison.Ordinal);
        Assert.Contains($"0 to {DatasetPreview.MaxSampleRows}.", advertised, StringComparison.Ordinal);
    }
}
