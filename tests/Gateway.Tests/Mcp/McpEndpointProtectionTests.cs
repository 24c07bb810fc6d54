using System.Net;
using System.Text;

namespace OrleansMl.Gateway.Tests.Mcp;

/// <summary>DNS-rebinding protection and request limits of /mcp, on a gateway that accepts only local host names.</summary>
public sealed class McpEndpointProtectionTests : IAsyncLifetime, IDisposable
{
    private const string Ping = """{"jsonrpc":"2.0","id":1,"method":"ping"}""";

    private readonly GatewayFactory _factory = new() { AllowedHosts = "localhost;127.0.0.1;[::1]" };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task LocalHostAndOrigin_AreServed()
    {
        var response = await PostAsync(Ping, origin: "http://localhost:6274");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"result\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGet_IsRefusedWith405_AllowingPost()
    {
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/mcp");
        request.Headers.Accept.ParseAdd("text/event-stream");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["POST"], response.Content.Headers.Allow);
        Assert.Contains("stateless", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AForeignHostHeader_IsRefused()
    {
        var response = await PostAsync(Ping, host: "evil.example.com");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Host 'evil.example.com' is not a host name this gateway serves", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AForeignOrigin_IsRefusedWith403()
    {
        var response = await PostAsync(Ping, origin: "http://evil.example.com");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Origin not allowed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABodyAboveTheLimit_IsRefusedWith413()
    {
        // The tests allow 256 KB of CSV text, so /mcp takes at most 2 × 256 KB + 1 MB.
        var csv = new string('1', 2 << 20);
        var body = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_dataset","arguments":{"name":"huge","csv":"CSV"}}}"""
            .Replace("CSV", csv, StringComparison.Ordinal);

        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    private async Task<HttpResponseMessage> PostAsync(string json, string? host = null, string? origin = null)
    {
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return await client.SendAsync(request);
    }
}
