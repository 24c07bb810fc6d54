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
