using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests;

/// <summary>Removing an alias over REST and MCP: the answer, the audit entry, and predictions through it afterwards.</summary>
[Collection(GatewayCollection.Name)]
public sealed class AliasRemovalRouteTests(GatewayFactory factory)
{
    private static readonly object[] Row = [new { x1 = 1.5, x2 = 0.5, color = "red" }];

    private readonly HttpClient _http = factory.CreateClient();

    [Fact]
    public async Task DeleteAlias_RemovesIt_PredictThroughItIsA404NamingIt_AndTheAuditRecordsIt()
    {
        var model = await TrainAsync();
        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 2 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/aliases/prodution", new { version = 1, reason = "typo" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _http.DeleteAsync($"/api/models/{model}/versions/1")).StatusCode);

        var response = await _http.DeleteAsync($"/api/models/{model}/aliases/prodution?reason=mistyped");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var removed = await response.ReadJsonAsync();
        Assert.Equal((model, "prodution", 1), (removed["model"]!.GetValue<string>(), removed["alias"]!.GetValue<string>(), removed["version"]!.GetValue<int>()));
        Assert.Equal(("remove", "mistyped"), (removed["change"]!["action"]!.GetValue<string>(), removed["change"]!["reason"]!.GetValue<string>()));
        Assert.Equal("""{"production":2}""", removed["aliases"]!.ToJsonString());

        var predict = await _http.PostJsonAsync($"/api/models/{model}/predict", new { rows = Row, alias = "prodution" });
        Assert.Equal(HttpStatusCode.NotFound, predict.StatusCode);
        Assert.Contains("has no alias 'prodution'", (await predict.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var again = await _http.DeleteAsync($"/api/models/{model}/aliases/prodution");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("Alias not found", (await again.ReadJsonAsync())["title"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync($"/api/models/{model}/versions/1")).StatusCode);

        var described = await (await _http.GetAsync($"/api/models/{model}")).ReadJsonAsync();
        Assert.Equal(["promote", "promote", "remove"], described["aliasHistory"]!.AsArray().Select(h => h!["action"]!.GetValue<string>()));
        var audit = await (await _http.GetAsync("/api/audit?limit=500")).ReadJsonAsync();
        var entry = audit["entries"]!.AsArray().First(e => e!["target"]!.GetValue<string>() == $"models/{model}/aliases/prodution")!;
        Assert.Equal(("model.alias.removed", "v1", null, "mistyped"),
            (entry["action"]!.GetValue<string>(), entry["from"]?.GetValue<string>(), entry["to"]?.GetValue<string>(), entry["detail"]?.GetValue<string>()));
    }

    [Fact]
    public async Task DeleteAlias_AnswersWhatIsWrong_UnderARollout_ForUnknownNames_AndForAMalformedOne()
    {
        var model = await TrainAsync();
        await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 });
        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { candidate = 2, mode = "shadow" })).StatusCode);

        var rolling = await _http.DeleteAsync($"/api/models/{model}/aliases/production");
        var unknownAlias = await _http.DeleteAsync($"/api/models/{model}/aliases/staging");
        var unknownModel = await _http.DeleteAsync($"/api/models/{McpTestClient.Unique("ghost")}/aliases/staging");
        var malformed = await _http.DeleteAsync($"/api/models/{model}/aliases/no%20way");

        Assert.Equal(HttpStatusCode.Conflict, rolling.StatusCode);
        Assert.Contains("rollout", (await rolling.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknownAlias.StatusCode);
        Assert.Contains("has no alias 'staging'", (await unknownAlias.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknownModel.StatusCode);
        Assert.Equal("Model not found", (await unknownModel.ReadJsonAsync())["title"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("Invalid name", (await malformed.ReadJsonAsync())["title"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await _http.DeleteAsync($"/api/models/{model}/rollout")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.DeleteAsync($"/api/models/{model}/aliases/production")).StatusCode);
        var fallback = await (await _http.PostJsonAsync($"/api/models/{model}/predict", new { rows = Row })).ReadJsonAsync();
        Assert.Equal(2, fallback["version"]!.GetValue<int>());
        Assert.Null(fallback["alias"]);
    }

    [Fact]
    public async Task DeleteAlias_TakesItsReasonFromTheQueryOrAJsonBody_AndRefusesTwoDifferentReasons()
    {
        var model = McpTestClient.Unique("unalias-why");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{model}", McpTestClient.BinaryCsv())).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset = model, label = "label", algorithm = "linear" })).StatusCode);
        Assert.Equal("succeeded", (await _http.WaitForVersionAsync(model, 1))["status"]!.GetValue<string>());
        foreach (var alias in new[] { "body", "both", "query" })
        {
            Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/aliases/{alias}", new { version = 1 })).StatusCode);
        }

        var twoReasons = await DeleteAsync($"/api/models/{model}/aliases/body?reason=one", "application/json", """{"reason":"two"}""");
        var unknownField = await DeleteAsync($"/api/models/{model}/aliases/body", "application/json", """{"reasn":"typo"}""");
        var notJson = await DeleteAsync($"/api/models/{model}/aliases/body", "text/plain", "retired");
        var fromBody = await DeleteAsync($"/api/models/{model}/aliases/body", "application/json", """{"reason":"retired"}""");
        var fromBoth = await DeleteAsync($"/api/models/{model}/aliases/both?reason=same", "application/json", """{"reason":"same"}""");
        var fromQuery = await _http.DeleteAsync($"/api/models/{model}/aliases/query?reason=query");

        Assert.Equal(HttpStatusCode.BadRequest, twoReasons.StatusCode);
        Assert.Equal("reason is given twice, in the query ('one') and in the body ('two'); give it once.", (await twoReasons.ReadJsonAsync())["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Contains("Unknown field 'reasn' in the request body; its fields are: reason.", (await unknownField.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], new[] { fromBody.StatusCode, fromBoth.StatusCode, fromQuery.StatusCode });
        var described = await (await _http.GetAsync($"/api/models/{model}")).ReadJsonAsync();
        Assert.Equal(["body: retired", "both: same", "query: query"], described["aliasHistory"]!.AsArray()
            .Where(h => h!["action"]!.GetValue<string>() == "remove")
            .Select(h => $"{h!["alias"]!.GetValue<string>()}: {h["reason"]!.GetValue<string>()}"));
    }

    [Fact]
    public async Task RemoveAliasTool_RemovesIt_SaysWhatPredictDoesNow_AndASecondCallIsAnErrorNamingTheAlias()
    {
        var model = await TrainAsync();
        await using var client = await factory.ConnectMcpAsync();
        await client.CallOkAsync("promote_model", new { model, version = 1, alias = "staging" });
        await client.CallOkAsync("promote_model", new { model, version = 2, alias = "staging" });

        var result = await client.CallToolAsync("remove_alias", McpTestClient.Arguments(new { model, alias = "staging", reason = "unused" }));

        Assert.True(result.IsError is not true, McpTestClient.Text(result));
        var removed = JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!;
        Assert.Equal(("staging", 2, "remove"), (removed["alias"]!.GetValue<string>(), removed["version"]!.GetValue<int>(), removed["change"]!["action"]!.GetValue<string>()));
        Assert.Contains($"Alias 'staging' of model '{model}' is removed (it pointed at version 2)", McpTestClient.Text(result), StringComparison.Ordinal);
        Assert.Contains("has no alias 'staging'", await client.CallToolErrorAsync("predict", new { model, rows = Row, alias = "staging" }), StringComparison.Ordinal);
        Assert.Contains("has no alias 'staging'", await client.CallToolErrorAsync("remove_alias", new { model, alias = "staging" }), StringComparison.Ordinal);
        var described = await client.CallOkAsync("describe_model", new { model });
        Assert.Equal(["promote", "promote", "remove"], described["aliasHistory"]!.AsArray().Select(h => h!["action"]!.GetValue<string>()));
        await client.CallOkAsync("delete_model_version", new { model, version = 1 });
    }

    private Task<HttpResponseMessage> DeleteAsync(string url, string contentType, string body) =>
        _http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, url) { Content = new StringContent(body, System.Text.Encoding.UTF8, contentType) });

    private async Task<string> TrainAsync()
    {
        var model = McpTestClient.Unique("unalias");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{model}", McpTestClient.BinaryCsv())).StatusCode);
        foreach (var algorithm in new[] { "linear", "lightgbm" })
        {
            var queued = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset = model, label = "label", algorithm })).ReadJsonAsync();
            Assert.Equal("succeeded", (await _http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>()))["status"]!.GetValue<string>());
        }

        return model;
    }
}
