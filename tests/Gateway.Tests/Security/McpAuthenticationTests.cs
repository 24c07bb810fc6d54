using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansMl.Diagnostics;
using OrleansMl.Gateway.Mcp;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests.Security;

/// <summary>
/// The MCP authorization specification's part for a protected resource: 401 with <c>WWW-Authenticate</c> naming the
/// protected resource metadata (RFC 9728), which is served without credentials.
/// </summary>
public sealed class McpAuthenticationTests : IAsyncLifetime, IDisposable
{
    private readonly GatewayFactory _factory = SecureGateway.Create();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _factory.Dispose();

    [Theory]
    [InlineData(null)]
    [InlineData("oml_not-a-key-000000000000000000000000000000000")]
    public async Task McpWithoutAValidKey_Gets401NamingTheResourceMetadata_WhichAnswersWithoutCredentials(string? key)
    {
        using var client = _factory.Client(key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        var metadataUrl = challenge.Parameter!.Split("resource_metadata=\"")[1].Split('"')[0];
        Assert.Equal("http://localhost/.well-known/oauth-protected-resource/mcp", metadataUrl);

        using var anonymous = _factory.CreateClient();
        var metadata = JsonNode.Parse(await anonymous.GetStringAsync(metadataUrl))!;
        Assert.Equal("http://localhost/mcp", metadata["resource"]!.GetValue<string>());
        Assert.Equal(Scopes.All, metadata["scopes_supported"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal(["header"], metadata["bearer_methods_supported"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/.well-known/oauth-protected-resource")).StatusCode);
    }

    [Fact]
    public async Task TheCSharpClient_WithoutAKey_FailsWith401_AndWithAKeyConnects()
    {
        var error = await Assert.ThrowsAnyAsync<HttpRequestException>(() => _factory.ConnectMcpAsync(key: null));
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);

        var (_, key) = await _factory.CreateKeyAsync("mcp-reader", ["read"]);
        await using var client = await _factory.ConnectMcpAsync(key);
        Assert.Equal("orleansml", client.ServerInfo?.Name);
    }

    [Fact]
    public async Task ARefusedToolCall_IsCountedInTheToolMetrics_AsForbidden()
    {
        var counted = new ConcurrentBag<(string Tool, string Kind)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == OrleansMlMetrics.MeterName && instrument.Name == "orleansml.mcp.tool.errors")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var labels = tags.ToArray().ToDictionary(t => t.Key, t => t.Value as string);
            counted.Add((labels["tool"]!, labels["kind"]!));
        });
        listener.Start();

        var (_, key) = await _factory.CreateKeyAsync("mcp-predictor", ["predict"]);
        await using var client = await _factory.ConnectMcpAsync(key);
        var refused = await client.CallToolErrorAsync("promote_model", new { model = "m", version = 1 });

        Assert.Contains("needs scope 'deploy'", refused, StringComparison.Ordinal);
        Assert.Contains(("promote_model", "forbidden"), counted);
    }

    [Fact]
    public async Task APlainPredictCall_IsAnsweredDirectlyOnlyForACallerItIsOpenTo()
    {
        var (_, reader) = await _factory.CreateKeyAsync("plain-reader", ["read"]);
        var (_, teamA) = await _factory.CreateKeyAsync("plain-team-a", ["predict"], names: ["team-a-*"]);
        var direct = _factory.Services.GetRequiredService<DirectPredictCalls>();

        async Task<string> PredictAsync(string key, string model, bool expectDirect)
        {
            var before = direct.Served;
            using var http = _factory.Client(key);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
            {
                Content = new StringContent(
                    """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"predict","arguments":{"model":""" + $"\"{model}\"" + ""","rows":[{"x1":1}]}}}""",
                    Encoding.UTF8, "application/json"),
            };
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(before + (expectDirect ? 1 : 0), direct.Served);
            var result = JsonNode.Parse(body["event: message\ndata: ".Length..])!["result"]!;
            Assert.True(result["isError"]!.GetValue<bool>());
            return result["content"]![0]!["text"]!.GetValue<string>();
        }

        Assert.Contains("needs scope 'predict'", await PredictAsync(reader, "team-a-churn", expectDirect: false), StringComparison.Ordinal);
        Assert.Contains("Forbidden", await PredictAsync(teamA, "team-b-churn", expectDirect: false), StringComparison.Ordinal);
        Assert.Contains("does not exist", await PredictAsync(teamA, "team-a-churn", expectDirect: true), StringComparison.Ordinal);
    }
}
