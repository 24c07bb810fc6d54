using System.Globalization;
using System.Net;
using System.Text;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class DatasetDriftRouteTests(GatewayFactory factory)
{
    private readonly HttpClient _http = factory.CreateClient();

    private static string Sample(int rows, int seed, double shift)
    {
        var random = new Random(seed);
        var csv = new StringBuilder("amount,plan\n");
        for (var i = 0; i < rows; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{(random.NextDouble() * 100) + shift:F2},{(random.NextDouble() < 0.5 ? "basic" : "pro")}\n");
        }

        return csv.ToString();
    }

    [Fact]
    public async Task Drift_OverRestAndMcp_MeasuresEachColumnAgainstTheReference_AndNamesWhatIsWrong()
    {
        var name = McpTestClient.Unique("drift");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{name}", Sample(1000, 1, 0))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{name}", Sample(1000, 2, 0))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{name}", Sample(1000, 3, 60))).StatusCode);

        var previous = await (await _http.GetAsync($"/api/datasets/{name}/versions/2/drift")).ReadJsonAsync();
        var shifted = await _http.GetAsync($"/api/datasets/{name}/versions/3/drift?against=1");
        var self = await _http.GetAsync($"/api/datasets/{name}/versions/3/drift?against=3");
        var zero = await _http.GetAsync($"/api/datasets/{name}/versions/3/drift?against=0");
        var unknown = await _http.GetAsync($"/api/datasets/{name}/versions/8/drift");
        var noDataset = await _http.GetAsync($"/api/datasets/{McpTestClient.Unique("none")}/versions/2/drift?against=1");

        Assert.Equal(1, previous["against"]!.GetValue<int>());
        Assert.True(previous["maxPsi"]!.GetValue<double>() < 0.1);
        Assert.Equal(HttpStatusCode.OK, shifted.StatusCode);
        var body = await shifted.ReadJsonAsync();
        Assert.Equal((3, 1, 1000, 1000), (body["version"]!.GetValue<int>(), body["against"]!.GetValue<int>(), body["rows"]!.GetValue<int>(), body["againstRows"]!.GetValue<int>()));
        Assert.Equal("amount", body["maxColumn"]!.GetValue<string>());
        Assert.True(body["maxPsi"]!.GetValue<double>() > 1);
        var plan = body["columns"]!.AsArray().Single(c => c!["column"]!.GetValue<string>() == "plan")!;
        Assert.Equal(("categorical", "measured"), (plan["kind"]!.GetValue<string>(), plan["status"]!.GetValue<string>()));
        Assert.Equal(["(missing)", "(other)", "basic", "pro"], plan["bins"]!.AsArray().Select(b => b!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(4, plan["shares"]!.AsArray().Count);
        Assert.Equal(HttpStatusCode.BadRequest, self.StatusCode);
        Assert.Contains("with itself", (await self.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, zero.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no version 8", (await unknown.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, noDataset.StatusCode);

        await using var client = await factory.ConnectMcpAsync();
        var viaMcp = await client.CallOkAsync("get_dataset_drift", new { name, version = 3, against = 1 });
        Assert.Equal(body["maxPsi"]!.GetValue<double>(), viaMcp["maxPsi"]!.GetValue<double>());
        var text = McpTestClient.Text(await client.CallToolAsync("get_dataset_drift", McpTestClient.Arguments(new { name, version = 3 })));
        Assert.Contains("against version 2", text, StringComparison.Ordinal);
        Assert.Contains("'amount'", text, StringComparison.Ordinal);
        var error = await client.CallToolErrorAsync("get_dataset_drift", new { name, version = 1 });
        Assert.Contains("no live version older than version 1", error, StringComparison.Ordinal);
    }
}
