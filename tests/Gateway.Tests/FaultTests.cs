using System.Diagnostics;
using System.Net;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests;

/// <summary>What clients see when the storage refuses a write, or when a call is lost with a silo.</summary>
[Collection(FaultyGatewayCollection.Name)]
public sealed class FaultTests(FaultyGatewayFactory factory) : IDisposable
{
    private readonly HttpClient _http = factory.CreateClient();

    public void Dispose()
    {
        factory.Faults.Clear();
        _http.Dispose();
    }

    [Fact]
    public async Task AWriteTheStorageRefuses_IsA503ProblemWithRetryAfter_AndChangesNothing()
    {
        var name = McpTestClient.Unique("refused");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{name}", "a,b\n1,x\n2,y\n")).StatusCode);

        HttpResponseMessage refused;
        using (factory.Faults.FailWrites("dataset", name))
        {
            refused = await _http.PostCsvAsync($"/api/datasets/{name}", "a,b\n3,x\n4,y\n");
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(DomainErrors.RetryAfterSeconds), refused.Headers.RetryAfter?.Delta);
        var problem = await refused.ReadJsonAsync();
        Assert.Equal(503, problem["status"]!.GetValue<int>());
        Assert.Contains("was not made", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Single((await (await _http.GetAsync($"/api/datasets/{name}")).ReadJsonAsync())["versions"]!.AsArray());
    }

    [Fact]
    public async Task AStorageErrorOnAV2Route_IsA503WithTheSameRetryAfterAsOnApi_InTheProtocolsErrorShape()
    {
        var model = McpTestClient.Unique("refused-v2");
        const string message = "The change to model 'x' was not made: the grain storage did not accept the write. Nothing was changed; try again in a few seconds.";
        const string infer = """{"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1.5]}]}""";

        HttpResponseMessage api, v2Infer, v2Metadata;
        // The prediction path's one grain call for a model its silo has no routes of yet (scoring itself makes none in this
        // gateway, which hosts its silo).
        using (factory.Errors.Fail(nameof(Predictions.IModelRoutesSource.GetRoutesAsync), model, new StorageUnavailableException(message)))
        {
            api = await _http.PostJsonAsync($"/api/models/{model}/predict", new { rows = new[] { new { x = 1.5 } } });
            v2Infer = await _http.PostAsync($"/v2/models/{model}/infer", new StringContent(infer, System.Text.Encoding.UTF8, "application/json"));
        }

        using (factory.Errors.Fail(nameof(IModelGrain.ResolveAsync), model, new StorageUnavailableException(message)))
        {
            v2Metadata = await _http.GetAsync($"/v2/models/{model}");
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, api.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(DomainErrors.RetryAfterSeconds), api.Headers.RetryAfter?.Delta);
        Assert.Equal(message, (await api.ReadJsonAsync())["detail"]!.GetValue<string>());
        foreach (var v2 in new[] { v2Infer, v2Metadata })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, v2.StatusCode);
            Assert.Equal(api.Headers.RetryAfter, v2.Headers.RetryAfter);
            Assert.Equal("application/json", v2.Content.Headers.ContentType?.MediaType);
            Assert.Equal(message, (await v2.ReadJsonAsync())["error"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task AWriteTheStorageRefuses_IsAToolErrorSayingTheChangeWasNotMade()
    {
        await using var client = await factory.ConnectMcpAsync();
        var name = McpTestClient.Unique("refused-mcp");

        string text;
        using (factory.Faults.FailWrites("dataset", name))
        {
            text = await client.CallToolErrorAsync("create_dataset", new { name, csv = "a,b\n1,x\n2,y\n" });
        }

        Assert.Contains("Storage unavailable", text, StringComparison.Ordinal);
        Assert.Contains("was not made", text, StringComparison.Ordinal);
        Assert.Contains("does not exist", await client.CallToolErrorAsync("describe_dataset", new { name }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnMcpCallWhoseFirstAttemptIsLost_IsAnsweredByASecondAttempt_LongBeforeTheResponseTimeout()
    {
        await using var client = await factory.ConnectMcpAsync();
        var name = McpTestClient.Unique("lost-mcp");
        await client.CallOkAsync("create_dataset", new { name, csv = "a,b\n1,x\n2,y\n" });

        factory.Calls.LoseNext(nameof(ICatalogGrain.GetDatasetsAsync));
        var clock = Stopwatch.StartNew();
        var listed = await client.CallOkAsync("list_datasets");

        Assert.Contains(listed["datasets"]!.AsArray(), d => d!["name"]!.GetValue<string>() == name);
        Assert.InRange(clock.Elapsed, FailoverPolicy.StallLimit, FailoverPolicy.StallLimit + TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task ARestCallWhoseFirstAttemptIsLost_IsAnsweredByASecondAttempt_LongBeforeTheResponseTimeout()
    {
        factory.Calls.LoseNext(nameof(ICatalogGrain.GetDatasetsAsync));
        var clock = Stopwatch.StartNew();
        var response = await _http.GetAsync("/api/datasets");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.InRange(clock.Elapsed, FailoverPolicy.StallLimit, FailoverPolicy.StallLimit + TimeSpan.FromSeconds(8));
    }
}
