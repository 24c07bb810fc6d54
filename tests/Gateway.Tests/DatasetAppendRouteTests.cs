using System.Net;
using System.Net.Http.Headers;
using System.Text;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class DatasetAppendRouteTests(GatewayFactory factory)
{
    private readonly HttpClient _http = factory.CreateClient();

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task AppendRows_AsCsvOrJson_CreatesTheNextVersion_OncePerIdempotencyKey_AndRefusesRowsThatDoNotFit()
    {
        var name = McpTestClient.Unique("append");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{name}", McpTestClient.BinaryCsv(100))).StatusCode);
        var header = McpTestClient.BinaryCsv(1).Split('\n')[0];

        var csv = await _http.PostCsvAsync($"/api/datasets/{name}/rows", header + "\n" + string.Join('\n', McpTestClient.BinaryCsv(20).Split('\n').Skip(1)));
        var json = new HttpRequestMessage(HttpMethod.Post, $"/api/datasets/{name}/rows") { Content = Json("""{"rows":[{"x1":1.5,"x2":-0.5,"color":"red","label":"yes"}]}""") };
        json.Headers.Add("Idempotency-Key", "append-once");
        var jsonAnswer = await _http.SendAsync(json);
        var retry = new HttpRequestMessage(HttpMethod.Post, $"/api/datasets/{name}/rows") { Content = Json("""{"rows":[{"x1":1.5,"x2":-0.5,"color":"red","label":"yes"}]}""") };
        retry.Headers.Add("Idempotency-Key", "append-once");
        var retried = await _http.SendAsync(retry);
        var conflict = new HttpRequestMessage(HttpMethod.Post, $"/api/datasets/{name}/rows") { Content = Json("""{"rows":[{"x1":9,"x2":-0.5,"color":"red","label":"yes"}]}""") };
        conflict.Headers.Add("Idempotency-Key", "append-once");
        var conflicted = await _http.SendAsync(conflict);
        var unknownColumn = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/datasets/{name}/rows") { Content = Json("""{"rows":[{"x1":1,"x2":2,"color":"red","label":"yes","size":3}]}""") });
        var notNumeric = await _http.PostCsvAsync($"/api/datasets/{name}/rows", header + "\n1.5,abc,red,yes\n");
        var plain = await _http.PostAsync($"/api/datasets/{name}/rows", new StringContent("x1\n1\n", Encoding.UTF8, "text/plain"));
        var noDataset = await _http.PostCsvAsync($"/api/datasets/{McpTestClient.Unique("none")}/rows", header + "\n1,2,red,yes\n");

        Assert.Equal(HttpStatusCode.Created, csv.StatusCode);
        Assert.Equal($"/api/datasets/{name}/versions/2", csv.Headers.Location?.OriginalString);
        Assert.Equal((2, 120), ((await csv.ReadJsonAsync())["version"]!.GetValue<int>(), (await csv.ReadJsonAsync())["rows"]!.GetValue<int>()));
        Assert.Equal(HttpStatusCode.Created, jsonAnswer.StatusCode);
        Assert.Equal((3, 121), ((await jsonAnswer.ReadJsonAsync())["version"]!.GetValue<int>(), (await jsonAnswer.ReadJsonAsync())["rows"]!.GetValue<int>()));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(3, (await retried.ReadJsonAsync())["version"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Conflict, conflicted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknownColumn.StatusCode);
        Assert.Contains("column 'size'", (await unknownColumn.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notNumeric.StatusCode);
        Assert.Contains("Column 'x2' is numeric", (await notNumeric.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noDataset.StatusCode);
        var dataset = await (await _http.GetAsync($"/api/datasets/{name}")).ReadJsonAsync();
        Assert.Equal(3, dataset["versions"]!.AsArray().Count);

        var drift = await (await _http.GetAsync($"/api/datasets/{name}/versions/2/drift")).ReadJsonAsync();
        Assert.Equal(1, drift["against"]!.GetValue<int>());
        Assert.True(drift["maxPsi"]!.GetValue<double>() < 0.2);
    }

    [Fact]
    public async Task AppendRows_RetriedWithOneIdempotencyKey_InAnotherSpelling_ReturnsTheVersionItMade()
    {
        var name = McpTestClient.Unique("append-spelled");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{name}", McpTestClient.BinaryCsv(40))).StatusCode);

        var first = await AppendAsync(name, "application/json", """{"rows":[{"x1":1.5,"x2":-0.5,"color":"red","label":"yes"},{"x1":2,"x2":1,"color":"blue","label":null}]}""");
        var spaced = await AppendAsync(name, "application/json", """
            { "rows": [
                { "label": "yes", "color": "red", "x2": -0.5, "x1": 1.5 },
                { "color": "blue", "x1": 2, "label": null, "x2": 1 }
            ] }
            """);
        var asCsv = await AppendAsync(name, "text/csv", "label,color,x2,x1\nyes,red,-0.5,1.5\n,blue,1,2\n");
        var otherRows = await AppendAsync(name, "application/json", """{"rows":[{"x1":1.5,"x2":-0.5,"color":"red","label":"no"},{"x1":2,"x2":1,"color":"blue","label":null}]}""");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(2, (await first.ReadJsonAsync())["version"]!.GetValue<int>());
        foreach (var retry in new[] { spaced, asCsv })
        {
            Assert.True(retry.StatusCode == HttpStatusCode.OK, await retry.Content.ReadAsStringAsync());
            Assert.Equal(2, (await retry.ReadJsonAsync())["version"]!.GetValue<int>());
        }

        Assert.Equal(HttpStatusCode.Conflict, otherRows.StatusCode);
        Assert.Equal(2, (await (await _http.GetAsync($"/api/datasets/{name}")).ReadJsonAsync())["versions"]!.AsArray().Count);
    }

    [Fact]
    public async Task AppendRows_OfCsvThatWouldBeMisread_IsA400NamingTheLine_AndAppendsNothing()
    {
        var name = McpTestClient.Unique("append-bad-csv");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{name}", McpTestClient.BinaryCsv(50))).StatusCode);
        var header = McpTestClient.BinaryCsv(1).Split('\n')[0];
        var latin1 = new ByteArrayContent(Encoding.Latin1.GetBytes(header + "\n1.5,0.5,r\u00e9d,yes\n"));
        latin1.Headers.ContentType = new MediaTypeHeaderValue("text/csv");

        var unclosed = await _http.PostCsvAsync($"/api/datasets/{name}/rows", header + "\n1.5,0.5,\"red,yes\n-1,-0.5,blue,no\n");
        var stray = await _http.PostCsvAsync($"/api/datasets/{name}/rows", header + "\n1.5,0.5,re\"d,yes\n");
        var notUtf8 = await _http.PostAsync($"/api/datasets/{name}/rows", latin1);

        Assert.Equal(HttpStatusCode.BadRequest, unclosed.StatusCode);
        Assert.Contains("The quote opened on line 2 (column 'color') is never closed", (await unclosed.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, stray.StatusCode);
        Assert.Contains("Line 2, column 'color' has a quote (\") inside a value", (await stray.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notUtf8.StatusCode);
        Assert.Contains("Line 2 is not valid UTF-8", (await notUtf8.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var dataset = await (await _http.GetAsync($"/api/datasets/{name}")).ReadJsonAsync();
        Assert.Single(dataset["versions"]!.AsArray());
    }

    [Fact]
    public async Task AppendRows_OverMcp_TakesRowsAsJson_AndNamesTheColumnThatDoesNotFit()
    {
        await using var client = await factory.ConnectMcpAsync();
        var name = McpTestClient.Unique("append-mcp");
        await client.CallOkAsync("create_dataset", new { name, csv = McpTestClient.BinaryCsv(60) });

        var appended = await client.CallOkAsync("append_rows", new
        {
            name,
            rows = new object[] { new { x1 = 0.5, x2 = 0.25, color = "red", label = "yes" }, new { x1 = -1, x2 = -0.5, color = "blue", label = "no" } },
            requestId = "mcp-batch-1",
        });
        var again = await client.CallOkAsync("append_rows", new { name, rows = new object[] { new { x1 = 0.5, x2 = 0.25, color = "red", label = "yes" }, new { x1 = -1, x2 = -0.5, color = "blue", label = "no" } }, requestId = "mcp-batch-1" });
        var error = await client.CallToolErrorAsync("append_rows", new { name, rows = new object[] { new { x1 = "high", x2 = 0.25, color = "red", label = "yes" } } });
        var missing = await client.CallToolErrorAsync("append_rows", new { name, rows = new object[] { new { x1 = 1, color = "red", label = "yes" } } });

        Assert.True(appended["created"]!.GetValue<bool>());
        Assert.Equal((2, 62), (appended["version"]!["version"]!.GetValue<int>(), appended["version"]!["rows"]!.GetValue<int>()));
        Assert.False(again["created"]!.GetValue<bool>());
        Assert.Contains("Column 'x1' is numeric", error, StringComparison.Ordinal);
        Assert.Contains("no value for column 'x2'", missing, StringComparison.Ordinal);
        Assert.Contains("call append_rows again", error, StringComparison.Ordinal);
        Assert.DoesNotContain("create_dataset", error, StringComparison.Ordinal);
        var described = await client.CallOkAsync("describe_dataset", new { name });
        Assert.Equal(2, described["versions"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("""{"rows":[{"x1":1.5,"x2":-0.5,"color":"red","label":"yes","x1":9}]}""", "rows[0] names column 'x1' twice")]
    [InlineData("""{"rows":[{"x1":1.5,"x2":-0.5,"color":"red","label":"yes"}],"rows":[{"x1":9,"x2":-0.5,"color":"red","label":"yes"}]}""", "names 'rows' twice")]
    [InlineData("""{"rows":[{"x1":1.5,"x2":-0.5,"color":"red","label":"yes"}],"idempotencyKey":"k"}""", "Unknown field 'idempotencyKey'")]
    public async Task AppendRows_AsJsonWithARepeatedOrUnknownName_IsRefused_AndCreatesNoVersion(string body, string expected)
    {
        var name = McpTestClient.Unique("append-dup");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{name}", McpTestClient.BinaryCsv(40))).StatusCode);

        var response = await _http.PostAsync($"/api/datasets/{name}/rows", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await response.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Single((await (await _http.GetAsync($"/api/datasets/{name}")).ReadJsonAsync())["versions"]!.AsArray());
    }

    [Fact]
    public async Task AppendRows_OverMcp_WithARepeatedColumn_IsInvalidParams_AndCreatesNoVersion()
    {
        await using var client = await factory.ConnectMcpAsync();
        var name = McpTestClient.Unique("append-mcp-dup");
        await client.CallOkAsync("create_dataset", new { name, csv = McpTestClient.BinaryCsv(40) });

        var message = await client.CallInvalidParamsAsync("append_rows", new Dictionary<string, object?>
        {
            ["name"] = name,
            ["rows"] = System.Text.Json.JsonDocument.Parse("""[{"x1":1.5,"x2":-0.5,"color":"red","label":"yes","x1":9}]""").RootElement.Clone(),
        });

        Assert.Contains("rows[0] names 'x1' twice", message, StringComparison.Ordinal);
        Assert.Single((await client.CallOkAsync("describe_dataset", new { name }))["versions"]!.AsArray());
    }

    private Task<HttpResponseMessage> AppendAsync(string name, string contentType, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/datasets/{name}/rows") { Content = new StringContent(body, Encoding.UTF8, contentType) };
        request.Headers.Add("Idempotency-Key", "append-spelled");
        return _http.SendAsync(request);
    }
}
