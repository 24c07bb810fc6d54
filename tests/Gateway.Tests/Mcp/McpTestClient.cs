using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace OrleansMl.Gateway.Tests.Mcp;

/// <summary>The C# MCP client against the in-memory gateway, and helpers to read tool results.</summary>
internal static class McpTestClient
{
    public static Task<McpClient> ConnectMcpAsync(this GatewayFactory factory, string? protocolVersion = null, CancellationToken cancellationToken = default)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(factory.Server.BaseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }, factory.CreateClient(), ownsHttpClient: true);
        // A generous discovery probe: on a loaded machine the first request to a fresh gateway can outlast the default, and
        // the in-memory test server then answers the abandoned probe with 499, which the client reports as a failure.
        return McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion, DiscoverProbeTimeout = TimeSpan.FromSeconds(60) }, cancellationToken: cancellationToken);
    }

    /// <summary>Calls a tool that must succeed and returns its structured content.</summary>
    public static async Task<JsonNode> CallOkAsync(this McpClient client, string tool, object? arguments = null)
    {
        var result = await client.CallToolAsync(tool, Arguments(arguments));
        Assert.True(result.IsError is not true, $"{tool} failed: {Text(result)}");
        Assert.NotNull(result.StructuredContent);
        return JsonNode.Parse(result.StructuredContent.Value.GetRawText())!;
    }

    /// <summary>Calls a tool that must fail with a tool error (not a protocol error) and returns its text.</summary>
    public static async Task<string> CallToolErrorAsync(this McpClient client, string tool, object? arguments = null)
    {
        var result = await client.CallToolAsync(tool, Arguments(arguments));
        Assert.True(result.IsError is true, $"{tool} should have failed: {Text(result)}");
        var text = Text(result);
        Assert.DoesNotContain(" at OrleansMl.", text, StringComparison.Ordinal);
        return text;
    }

    /// <summary>Calls a tool with arguments that must be refused as a JSON-RPC "invalid params" error; returns its message.</summary>
    public static async Task<string> CallInvalidParamsAsync(this McpClient client, string tool, object? arguments = null)
    {
        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync(tool, Arguments(arguments)).AsTask());
        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
        return error.Message;
    }

    public static string Text(CallToolResult result) =>
        string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    public static Dictionary<string, object?>? Arguments(object? arguments) => arguments switch
    {
        null => null,
        Dictionary<string, object?> d => d,
        _ => JsonSerializer.SerializeToElement(arguments, JsonSerializerOptions.Web).EnumerateObject()
            .ToDictionary(p => p.Name, p => (object?)p.Value.Clone()),
    };

    /// <summary>Polls get_training_status until the version ends.</summary>
    public static async Task<JsonNode> WaitForVersionAsync(this McpClient client, string model, int version, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var info = await client.CallOkAsync("get_training_status", new { model, version });
            if (info["status"]!.GetValue<string>() is "succeeded" or "failed" or "cancelled")
            {
                return info;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{model} v{version} did not finish: {info.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    /// <summary>A raw JSON-RPC POST to /mcp as a streamable HTTP client sends it (both media types accepted).</summary>
    public static HttpRequestMessage McpPost(string body, string? protocolVersion = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (protocolVersion is not null)
        {
            request.Headers.Add("MCP-Protocol-Version", protocolVersion);
        }

        return request;
    }

    /// <summary>The JSON-RPC message of an answer that is one server-sent event.</summary>
    public static JsonNode EventMessage(string sse)
    {
        Assert.StartsWith("event: message\ndata: ", sse, StringComparison.Ordinal);
        Assert.EndsWith("\n\n", sse, StringComparison.Ordinal);
        return JsonNode.Parse(sse["event: message\ndata: ".Length..^2])!;
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>A small, learnable binary dataset: label is yes when x1 + x2 > 0, with a categorical color.</summary>
    public static string BinaryCsv(int rows = 400)
    {
        var lines = new System.Text.StringBuilder("x1,x2,color,label\n");
        for (var i = 0; i < rows; i++)
        {
            var (a, b) = ((i * 37 % 101 - 50) / 25.0, (i * 53 % 97 - 48) / 24.0);
            lines.Append(FormattableString.Invariant($"{a},{b},{(i % 3 == 0 ? "red" : i % 3 == 1 ? "green" : "blue")},{(a + b > 0 ? "yes" : "no")}\n"));
        }

        return lines.ToString();
    }
}
