using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests;

/// <summary>A model or dataset version number below 1, wherever it is sent: the same 400 naming the field, on every surface.</summary>
[Collection(GatewayCollection.Name)]
public sealed class VersionNumberTests(GatewayFactory factory)
{
    private readonly HttpClient _http = factory.CreateClient();

    [Fact]
    public async Task AVersionBelowOne_InAPathOrABody_IsA400ValidationProblemNamingTheField_AndChangesNothing()
    {
        var (model, dataset) = await TrainAsync();
        var row = new { x1 = 0.5, x2 = -0.2, color = "red" };

        var refused = new (HttpResponseMessage Response, string Field, string Got)[]
        {
            (await _http.GetAsync($"/api/models/{model}/versions/0"), "version", "0"),
            (await _http.GetAsync($"/api/models/{model}/versions/-1"), "version", "-1"),
            (await _http.DeleteAsync($"/api/models/{model}/versions/0"), "version", "0"),
            (await _http.PostJsonAsync($"/api/models/{model}/versions/0/cancel", new { }), "version", "0"),
            (await _http.PostJsonAsync($"/api/models/{model}/versions/0/evaluate", new { dataset }), "version", "0"),
            (await _http.PostJsonAsync($"/api/models/{model}/versions/1/evaluate", new { dataset, datasetVersion = 0 }), "datasetVersion", "0"),
            (await _http.GetAsync($"/api/models/{model}/compare/0/1"), "baseline", "0"),
            (await _http.GetAsync($"/api/models/{model}/compare/1/-3"), "candidate", "-3"),
            (await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 0 }), "version", "0"),
            (await _http.PostJsonAsync($"/api/models/{model}/predict", new { rows = new[] { row }, version = 0 }), "version", "0"),
            (await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { candidate = 0 }), "candidate", "0"),
            (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset, datasetVersion = 0, label = "label" }), "datasetVersion", "0"),
            (await _http.GetAsync($"/api/datasets/{dataset}/versions/0"), "version", "0"),
            (await _http.GetAsync($"/api/datasets/{dataset}/versions/0/models"), "version", "0"),
            (await _http.GetAsync($"/api/datasets/{dataset}/versions/0/drift"), "version", "0"),
            (await _http.GetAsync($"/api/datasets/{dataset}/versions/1/drift?against=-1"), "against", "-1"),
            (await _http.DeleteAsync($"/api/datasets/{dataset}/versions/0"), "version", "0"),
        };

        foreach (var (response, field, got) in refused)
        {
            var expected = $"{field} must be a version number: versions start at 1 (got {got}).";
            var body = await response.Content.ReadAsStringAsync();
            var route = $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri!.PathAndQuery}";
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{route}: expected 400, got {response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonNode.Parse(body)!;
            Assert.Equal("Invalid version number", problem["title"]!.GetValue<string>());
            Assert.Equal(expected, problem["detail"]!.GetValue<string>());
            Assert.Equal([expected], problem["errors"]![field]!.AsArray().Select(e => e!.GetValue<string>()));
        }

        // Nothing was changed: no alias, no rollout, no second version, the dataset version still there.
        var described = await (await _http.GetAsync($"/api/models/{model}")).ReadJsonAsync();
        Assert.Empty(described["aliases"]!.AsObject());
        Assert.Single(described["versions"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/models/{model}/rollout")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/api/datasets/{dataset}/versions/1")).StatusCode);
    }

    [Fact]
    public async Task AVersionBelowOne_GetsTheSameWords_OverRestV2AndMcp()
    {
        var (model, _) = await TrainAsync();
        const string expected = "version must be a version number: versions start at 1 (got 0).";

        var rest = await (await _http.GetAsync($"/api/models/{model}/versions/0")).ReadJsonAsync();
        var metadata = await _http.GetAsync($"/v2/models/{model}/versions/0");
        var ready = await _http.GetAsync($"/v2/models/{model}/versions/0/ready");
        var infer = await _http.PostAsync($"/v2/models/{model}/versions/0/infer", new StringContent("""{"inputs": []}""", Encoding.UTF8, "application/json"));
        await using var client = await factory.ConnectMcpAsync();
        var tool = await client.CallInvalidParamsAsync("get_training_status", new { model, version = 0 });
        var resource = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() => client.ReadResourceAsync($"model://{model}/versions/0").AsTask());

        Assert.Equal(expected, rest["detail"]!.GetValue<string>());
        foreach (var response in new[] { metadata, ready, infer })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(expected, (await response.ReadJsonAsync())["error"]!.GetValue<string>());
        }

        Assert.Contains(expected, tool, StringComparison.Ordinal);
        Assert.Equal(ModelContextProtocol.McpErrorCode.InvalidParams, resource.ErrorCode);
        Assert.Contains(expected, resource.Message, StringComparison.Ordinal);
    }

    /// <summary>A dataset and a model with one succeeded version trained on it.</summary>
    private async Task<(string Model, string Dataset)> TrainAsync()
    {
        var (model, dataset) = (McpTestClient.Unique("numbers"), McpTestClient.Unique("numbers-data"));
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{dataset}", McpTestClient.BinaryCsv(200))).StatusCode);
        var queued = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset, label = "label", algorithm = "linear" })).ReadJsonAsync();
        Assert.Equal("succeeded", (await _http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>()))["status"]!.GetValue<string>());
        return (model, dataset);
    }
}
