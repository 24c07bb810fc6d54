using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests.Security;

/// <summary>The audit log: every change with its author, over REST and MCP, newest first, paginated.</summary>
public sealed class AuditTests : IAsyncLifetime, IDisposable
{
    private static readonly string[] AgentScopes = ["read", "train", "deploy"];
    private static readonly string[] Read = ["read"];

    private readonly GatewayFactory _factory = SecureGateway.Create();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task EveryChange_IsListedWithItsAuthor_NewestFirst_OverRestAndMcp_AndTheRecordsNameTheirAuthor()
    {
        var dataset = McpTestClient.Unique("audit-data");
        var model = McpTestClient.Unique("audit-model");
        var (_, agentKey) = await _factory.CreateKeyAsync("audit-agent", AgentScopes);
        var (_, mcpKey) = await _factory.CreateKeyAsync("audit-mcp-agent", AgentScopes);
        using var agent = _factory.Client(agentKey);
        await using var mcp = await _factory.ConnectMcpAsync(mcpKey);

        Assert.Equal(HttpStatusCode.Created, (await agent.PostCsvAsync($"/api/datasets/{dataset}", McpTestClient.BinaryCsv(200))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await agent.PostJsonAsync($"/api/models/{model}/train", new { dataset, label = "label", algorithm = "linear" })).StatusCode);
        Assert.Equal("succeeded", (await agent.WaitForVersionAsync(model, 1))["status"]!.GetValue<string>());
        await mcp.CallOkAsync("train_model", new { model, dataset, label = "label", algorithm = "linear", wait = true });
        Assert.Equal(HttpStatusCode.OK, (await agent.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1, reason = "baseline" })).StatusCode);
        await mcp.CallOkAsync("promote_model", new { model, version = 2, reason = "better" });
        Assert.Equal(HttpStatusCode.OK, (await agent.PostJsonAsync($"/api/models/{model}/aliases/production/rollback", new { reason = "drift" })).StatusCode);
        var (keyId, _) = await _factory.CreateKeyAsync("audit-temporary", Read);
        using var admin = _factory.Client(SecureGateway.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/keys/{keyId}")).StatusCode);

        var entries = (await (await admin.GetAsync("/api/audit?limit=500")).ReadJsonAsync())["entries"]!.AsArray()
            .Where(e => Target(e).Contains(dataset, StringComparison.Ordinal) || Target(e).Contains(model, StringComparison.Ordinal) || Target(e) == $"keys/{keyId}")
            .Select(e => $"{e!["by"]?.GetValue<string>()} {e["action"]!.GetValue<string>()} {Target(e)} {e["from"]?.GetValue<string>() ?? "-"} {e["to"]?.GetValue<string>() ?? "-"} {e["detail"]?.GetValue<string>()}")
            .ToList();

        Assert.Equal(
        [
            $"admin key.revoked keys/{keyId} valid revoked audit-temporary",
            $"admin key.created keys/{keyId} - audit-temporary scopes read",
            $"audit-agent model.alias.rolled-back models/{model}/aliases/production v2 v1 drift",
            $"audit-mcp-agent model.alias.promoted models/{model}/aliases/production v1 v2 better",
            $"audit-agent model.alias.promoted models/{model}/aliases/production - v1 baseline",
            $"audit-mcp-agent model.training.requested models/{model} - v2 dataset {dataset} v1, label label, task auto, algorithm linear",
            $"audit-agent model.training.requested models/{model} - v1 dataset {dataset} v1, label label, task auto, algorithm linear",
            $"audit-agent dataset.version.created datasets/{dataset} - v1 200 rows, 4 columns, {McpTestClient.BinaryCsv(200).Length} bytes",
        ], entries);

        // The records themselves carry the same authors: who uploaded, who asked for each version, who moved the alias.
        var info = await (await agent.GetAsync($"/api/models/{model}")).ReadJsonAsync();
        Assert.Equal(["audit-agent", "audit-mcp-agent"], info["versions"]!.AsArray().Select(v => v!["createdBy"]!.GetValue<string>()));
        Assert.Equal(["audit-agent", "audit-mcp-agent", "audit-agent"], info["aliasHistory"]!.AsArray().Select(h => h!["by"]!.GetValue<string>()));
        var uploaded = await (await agent.GetAsync($"/api/datasets/{dataset}/versions/1")).ReadJsonAsync();
        Assert.Equal("audit-agent", uploaded["createdBy"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pages_FollowTheCursor_WithoutGapsOrRepeats_AndSinceCutsOff()
    {
        using var admin = _factory.Client(SecureGateway.AdminKey);
        var dataset = McpTestClient.Unique("audit-pages");
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < 7; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await admin.PostCsvAsync($"/api/datasets/{dataset}", $"a,b\n{i},1\n{i},2\n")).StatusCode);
        }

        var all = await SequencesAsync(admin, $"/api/audit?limit=500&since={Uri.EscapeDataString(start.ToString("O"))}");
        var paged = new List<long>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await admin.GetAsync($"/api/audit?limit=3&since={Uri.EscapeDataString(start.ToString("O"))}{(cursor is null ? "" : $"&cursor={cursor}")}")).ReadJsonAsync();
            paged.AddRange(page["entries"]!.AsArray().Select(e => e!["sequence"]!.GetValue<long>()));
            cursor = page["nextCursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null && pages < 20);

        Assert.True(all.Count >= 7, $"{all.Count} entries since the start");
        Assert.Equal(all, paged);
        Assert.Equal(all.OrderDescending(), all);
        Assert.Empty(await SequencesAsync(admin, $"/api/audit?since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}"));
    }

    [Fact]
    public async Task AReaderLimitedToNames_SeesOnlyTheirChanges_AndNoKeyChanges_AnAdminSeesAll()
    {
        using var admin = _factory.Client(SecureGateway.AdminKey);
        var mine = McpTestClient.Unique("fraud");
        var other = McpTestClient.Unique("other");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostCsvAsync($"/api/datasets/{mine}", "a,b\n1,2\n")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostCsvAsync($"/api/datasets/{other}", "a,b\n1,2\n")).StatusCode);
        var (_, key) = await _factory.CreateKeyAsync("fraud-auditor", Read, names: ["fraud-*"]);
        using var reader = _factory.Client(key);

        var seen = (await (await reader.GetAsync("/api/audit?limit=500")).ReadJsonAsync())["entries"]!.AsArray().Select(Target).ToList();
        var all = (await (await admin.GetAsync("/api/audit?limit=500")).ReadJsonAsync())["entries"]!.AsArray().Select(Target).ToList();

        Assert.Contains($"datasets/{mine}", seen);
        Assert.DoesNotContain($"datasets/{other}", seen);
        Assert.All(seen, t => Assert.StartsWith("datasets/fraud-", t, StringComparison.Ordinal));
        Assert.Contains($"datasets/{other}", all);
        Assert.Contains(all, t => t.StartsWith("keys/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("limit=0", "limit must be between 1 and 500")]
    [InlineData("limit=501", "limit must be between 1 and 500")]
    [InlineData("cursor=abc", "cursor 'abc' is not one this log handed out")]
    [InlineData("since=yesterday", "since")]
    public async Task InvalidQueries_Get400NamingTheProblem(string query, string problem)
    {
        using var admin = _factory.Client(SecureGateway.AdminKey);

        var response = await admin.GetAsync($"/api/audit?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(problem, await response.ProblemDetailAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheMcpTool_ListsTheSameChanges()
    {
        var (_, key) = await _factory.CreateKeyAsync("mcp-auditor", AgentScopes);
        var dataset = McpTestClient.Unique("audit-mcp");
        await using var mcp = await _factory.ConnectMcpAsync(key);
        await mcp.CallOkAsync("create_dataset", new { name = dataset, csv = "a,b\n1,2\n3,4\n" });

        var listed = await mcp.CallOkAsync("list_changes", new { limit = 5 });
        var mine = listed["entries"]!.AsArray().First(e => Target(e) == $"datasets/{dataset}")!;

        Assert.Equal("mcp-auditor", mine["by"]!.GetValue<string>());
        Assert.Equal("dataset.version.created", mine["action"]!.GetValue<string>());
        Assert.DoesNotContain(listed["entries"]!.AsArray(), e => Target(e).StartsWith("keys/", StringComparison.Ordinal));
        Assert.Contains("limit must be between 1 and 500", await mcp.CallInvalidParamsAsync("list_changes", new { limit = 0 }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAnonymousLocalCaller_IsRecordedWithoutAName()
    {
        await using var local = SecureGateway.Create(adminKey: false);
        using var client = local.CreateClient();
        var dataset = McpTestClient.Unique("audit-local");

        Assert.Equal(HttpStatusCode.Created, (await client.PostCsvAsync($"/api/datasets/{dataset}", "a,b\n1,2\n")).StatusCode);
        var entry = (await (await client.GetAsync("/api/audit")).ReadJsonAsync())["entries"]!.AsArray().First(e => Target(e) == $"datasets/{dataset}")!;

        Assert.Null(entry["by"]);
    }

    private static string Target(JsonNode? entry) => entry!["target"]!.GetValue<string>();

    private static async Task<List<long>> SequencesAsync(HttpClient client, string url) =>
        (await (await client.GetAsync(url)).ReadJsonAsync())["entries"]!.AsArray().Select(e => e!["sequence"]!.GetValue<long>()).ToList();
}
