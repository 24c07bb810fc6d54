using System.Net;
using System.Net.Http.Json;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests;

/// <summary>The schedule routes and tools through the gateway: the contract's names, validation on arrival, and MCP.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ScheduleRouteTests(GatewayFactory factory)
{
    private static readonly int[] Steps = [25, 100];

    private readonly HttpClient _http = factory.CreateClient();

    [Fact]
    public async Task Schedule_IsSetReadListedAndDeleted_WithTheContractsWords()
    {
        var model = McpTestClient.Unique("sched");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{model}", McpTestClient.BinaryCsv())).StatusCode);

        var missing = await _http.GetAsync($"/api/models/{model}/schedule");
        var put = await _http.PutAsJsonAsync($"/api/models/{model}/schedule", new
        {
            every = "01:00:00", dataset = model, label = "label", algorithm = "linear", trigger = "newData", then = "promoteIfBetter",
        });
        var set = await put.ReadJsonAsync();
        var read = await (await _http.GetAsync($"/api/models/{model}/schedule")).ReadJsonAsync();
        var runs = await (await _http.GetAsync($"/api/models/{model}/schedule/runs")).ReadJsonAsync();
        var deleted = await _http.DeleteAsync($"/api/models/{model}/schedule");
        var gone = await _http.GetAsync($"/api/models/{model}/schedule/runs");
        var audit = await (await _http.GetAsync("/api/audit?limit=100")).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("has no schedule", (await missing.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var schedule = set["schedule"]!;
        Assert.Equal(("01:00:00", model, "label", "linear", "newData", "promoteIfBetter"), (
            schedule["every"]!.GetValue<string>(), schedule["dataset"]!.GetValue<string>(), schedule["label"]!.GetValue<string>(),
            schedule["algorithm"]!.GetValue<string>(), schedule["trigger"]!.GetValue<string>(), schedule["then"]!.GetValue<string>()));
        var next = set["nextRunAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(next - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(58), TimeSpan.FromMinutes(61));
        Assert.Equal(next, read["nextRunAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal((model, 0), (runs["model"]!.GetValue<string>(), runs["runs"]!.AsArray().Count));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var actions = audit["entries"]!.AsArray().Where(e => e!["target"]!.GetValue<string>() == $"models/{model}/schedule")
            .Select(e => e!["action"]!.GetValue<string>()).ToList();
        Assert.Contains("model.schedule.set", actions);
        Assert.Contains("model.schedule.deleted", actions);
    }

    [Theory]
    [InlineData("""{"every":"00:00:30","dataset":"{d}","label":"label"}""", "every must be between 00:01:00")]
    [InlineData("""{"every":"hourly","dataset":"{d}","label":"label"}""", "every 'hourly' is not a time span")]
    [InlineData("""{"dataset":"{d}","label":"label"}""", "every is required")]
    [InlineData("""{"every":"01:00:00","dataset":"{d}","label":"churned"}""", "no column 'churned'")]
    [InlineData("""{"every":"01:00:00","dataset":"{d}","label":"label","trigger":"sometimes"}""", "trigger 'sometimes' is not one of always, newData, drift")]
    [InlineData("""{"every":"01:00:00","dataset":"{d}","label":"label","then":"ship"}""", "then 'ship' is not one of none, rollout, promoteIfBetter")]
    [InlineData("""{"every":"01:00:00","dataset":"{d}","label":"label","algorithm":"xgboost"}""", "algorithm 'xgboost' is not one of")]
    [InlineData("""{"every":"01:00:00","dataset":"{d}","label":"label","then":"rollout"}""", "does not have; promote a version to it first")]
    [InlineData("""{"every":"01:00:00","dataset":"{d}","label":"label","then":"rollout","rollout":{"candidate":3}}""", "rollout.candidate is not taken")]
    [InlineData("""{"every":"01:00:00","dataset":"{d}","label":"label","trigger":"drift"}""", "has no production version; promote one first")]
    [InlineData("""{"every":"01:00:00","dataset":"{d}","label":"label","driftThreshold":0.1}""", "driftThreshold is only taken with trigger: drift")]
    [InlineData("""{"every":"01:00:00","dataset":"{d}","label":"label","parameters":{"trees":5,"iterations":6}}""", "Parameters 'iterations' and 'trees' are both given")]
    [InlineData("""{"every":"01:00:00","dataset":"{d}","label":"label","driftThreshold":"0.3","trigger":"drift"}""", "$.driftThreshold could not be read as a number")]
    public async Task BadSchedules_Are400WithTheProblemNamed_AndChangeNothing(string body, string expected)
    {
        var model = McpTestClient.Unique("sched-bad");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{model}", McpTestClient.BinaryCsv())).StatusCode);

        using var content = new StringContent(body.Replace("{d}", model, StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json");
        var response = await _http.PutAsync($"/api/models/{model}/schedule", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await response.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/models/{model}/schedule")).StatusCode);
    }

    [Fact]
    public async Task McpTools_SetReadAndDeleteASchedule()
    {
        var model = McpTestClient.Unique("sched-mcp");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{model}", McpTestClient.BinaryCsv())).StatusCode);
        var queued = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset = model, label = "label", algorithm = "linear" })).ReadJsonAsync();
        Assert.Equal("succeeded", (await _http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>()))["status"]!.GetValue<string>());
        await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 });
        await using var mcp = await factory.ConnectMcpAsync();

        var set = await mcp.CallOkAsync("set_schedule", new
        {
            model, every = "00:01:00", dataset = model, label = "label", algorithm = "linear", trigger = "always", then = "rollout",
            rolloutSteps = Steps, guardMetric = "errorRate", guardMax = 0.1,
        });
        var read = await mcp.CallOkAsync("get_schedule", new { model });
        var tooOften = await mcp.CallToolErrorAsync("set_schedule", new { model, every = "00:00:10", dataset = model, label = "label" });
        var notATime = await mcp.CallInvalidParamsAsync("set_schedule", new { model, every = "soon", dataset = model, label = "label" });
        var noDataset = await mcp.CallToolErrorAsync("set_schedule", new { model, every = "01:00:00", dataset = "no-such-data", label = "label" });
        var deleted = await mcp.CallOkAsync("delete_schedule", new { model });
        var again = await mcp.CallToolErrorAsync("get_schedule", new { model });

        Assert.Equal(("00:01:00", "rollout", "production"), (set["schedule"]!["every"]!.GetValue<string>(), set["schedule"]!["then"]!.GetValue<string>(),
            set["schedule"]!["rollout"]!["alias"]!.GetValue<string>()));
        Assert.Equal([25, 100], set["schedule"]!["rollout"]!["steps"]!.AsArray().Select(s => s!.GetValue<int>()));
        Assert.Equal(("always", 0), (read["schedule"]!["schedule"]!["trigger"]!.GetValue<string>(), read["runs"]!.AsArray().Count));
        Assert.Contains("every must be between 00:01:00", tooOften, StringComparison.Ordinal);
        Assert.Contains("every 'soon' is not a time span", notATime, StringComparison.Ordinal);
        Assert.Contains("no-such-data", noDataset, StringComparison.Ordinal);
        Assert.Equal(model, deleted["model"]!.GetValue<string>());
        Assert.Contains("Schedule not found", again, StringComparison.Ordinal);
    }
}
