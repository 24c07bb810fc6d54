using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Diagnostics;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Extensions;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// Answers a plain <c>tools/call</c> of <c>predict</c> on <c>/mcp</c> without the SDK's per-request server. A stateless
/// server is built for every POST (its handlers, filter chain and transport), and the call's parameters and result go
/// through a JSON DOM on their way in and out: about 70 µs of CPU a call on top of REST's, most of MCP's cost for a
/// prediction. A call this class takes runs the same checks and code as through the SDK — the tool's argument
/// validation, access control, <see cref="PredictTool"/> under the <see cref="FailoverPolicy"/>, the tool-call metrics —
/// and answers with the same event the SDK would write (a test compares them).
/// <para>
/// It takes only what it can answer exactly as the SDK would, and hands everything else to the SDK unchanged: a
/// request with another method or tool, a batch, <c>_meta</c> or any other member it does not know, a session id or
/// other <c>Mcp-</c> headers, a protocol version that needs per-request metadata, a body over
/// <see cref="MaxBodyBytes"/>, and every call whose arguments or caller would be refused, so errors of protocol and
/// access are always the SDK's own. Tool errors (an unknown model, a version that cannot serve) are answered here as
/// the SDK's filters answer them, as <c>isError</c> results.
/// </para>
/// </summary>
internal sealed class DirectPredictCalls(
    IOptions<McpServerOptions> serverOptions, IOptions<McpGatewayOptions> gatewayOptions, FailoverPolicy failover)
{
    /// <summary>Bodies above this size go to the SDK (a dataset's CSV, a very large batch).</summary>
    public const int MaxBodyBytes = 1 << 20;

    /// <summary>The protocol versions whose calls carry everything in the body and the one header (none: the SDK's default).</summary>
    private static readonly string[] PlainProtocolVersions = ["2025-03-26", "2025-06-18", "2025-11-25"];

    private static readonly JsonTypeInfo<CallToolResult> ResultType =
        (JsonTypeInfo<CallToolResult>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CallToolResult));

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = McpJsonUtilities.DefaultOptions.Encoder };

    private long _served;

    /// <summary>Calls answered here since the gateway started.</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>
    /// Answers <paramref name="context"/>'s POST here when it is a plain <c>predict</c> call, else passes it to
    /// <paramref name="sdk"/>. <paramref name="body"/> is the request's body, read whole by <see cref="JsonRpcEnvelope"/>,
    /// which also left the request's body stream holding it as it came.
    /// </summary>
    public async Task RunAsync(HttpContext context, ReadOnlyMemory<byte> body, RequestDelegate sdk)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sdk);
        if (gatewayOptions.Value.DirectPredict && body.Length is > 0 and <= MaxBodyBytes && PlainHeaders(context.Request)
            && await TryAnswerAsync(context, body))
        {
            Interlocked.Increment(ref _served);
            return;
        }

        await sdk(context);
    }

    /// <summary>
    /// Headers that leave the SDK nothing to check but what this class checks too: both media types accepted (the SDK
    /// answers 406 otherwise), no session, no other <c>Mcp-</c> header, and a protocol version without per-request metadata.
    /// </summary>
    private static bool PlainHeaders(HttpRequest request)
    {
        var json = false;
        var events = false;
        foreach (var accepted in request.GetTypedHeaders().Accept)
        {
            json |= accepted.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
            events |= accepted.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase);
        }

        if (!json || !events)
        {
            return false;
        }

        foreach (var header in request.Headers)
        {
            if (header.Key.StartsWith("Mcp-", StringComparison.OrdinalIgnoreCase)
                && !header.Key.Equals("MCP-Protocol-Version", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        var version = request.Headers["MCP-Protocol-Version"];
        return version.Count == 0 || (version.Count == 1 && PlainProtocolVersions.Contains(version[0], StringComparer.Ordinal));
    }

    private async Task<bool> TryAnswerAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return false;
        }

        using (document)
        {
            if (!TryReadCall(document.RootElement, out var id, out var arguments)
                || serverOptions.Value.ToolCollection is not { } tools || !tools.TryGetPrimitive("predict", out var tool) || tool is not PredictTool
                || !McpAccessFilters.AllowsPlainCall(context.User, tool, arguments))
            {
                return false;
            }

            try
            {
                ToolCallFilter.Validate(tool.ProtocolTool, arguments, checkObjects: false);
            }
            catch (McpException)
            {
                return false;
            }

            var started = Stopwatch.GetTimestamp();
            var cancellationToken = context.RequestAborted;
            CallToolResult result;
            try
            {
                result = await failover.RunAsync(
                    static call => PredictTool.CallAsync(call.Services, call.Arguments, call.CancellationToken),
                    (Services: context.RequestServices, Arguments: arguments, CancellationToken: cancellationToken),
                    static _ => "tool predict",
                    cancellationToken);
            }
            catch (OrleansMlException ex)
            {
                result = ToolError(DomainErrors.ToolText(ex, "predict"));
            }
            catch (McpException ex) when (ex is not McpProtocolException)
            {
                result = ToolError(ex.Message);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return true; // The caller has gone: there is nobody to answer.
            }
            catch (Exception)
            {
                return false; // Refused arguments or a fault of our own: the SDK answers it with its error.
            }

            OrleansMlMetrics.ToolCalled("predict", Stopwatch.GetElapsedTime(started), result.IsError is true ? "tool_error" : null);
            await WriteAsync(context.Response, id, result, cancellationToken);
            return true;
        }
    }

    /// <summary>
    /// A request object of exactly <c>jsonrpc</c> "2.0", an integer or string <c>id</c>, <c>method</c> "tools/call" and
    /// <c>params</c>, which holds exactly <c>name</c> "predict" and an <c>arguments</c> object. A member named twice
    /// leaves one of the expected names missing from the count, so it is not taken either.
    /// </summary>
    private static bool TryReadCall(JsonElement root, out JsonElement id, out Dictionary<string, JsonElement> arguments)
    {
        id = default;
        arguments = null!;
        if (root.ValueKind != JsonValueKind.Object || Members(root) != 4
            || !root.TryGetProperty("jsonrpc"u8, out var version) || !Is(version, "2.0"u8)
            || !root.TryGetProperty("method"u8, out var method) || !Is(method, "tools/call"u8)
            || !root.TryGetProperty("id"u8, out id) || !(id.ValueKind == JsonValueKind.String || (id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out _)))
            || !root.TryGetProperty("params"u8, out var parameters) || parameters.ValueKind != JsonValueKind.Object || Members(parameters) != 2
            || !parameters.TryGetProperty("name"u8, out var name) || !Is(name, "predict"u8)
            || !parameters.TryGetProperty("arguments"u8, out var values) || values.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        arguments = new Dictionary<string, JsonElement>(4, StringComparer.Ordinal);
        foreach (var member in values.EnumerateObject())
        {
            if (!arguments.TryAdd(member.Name, member.Value))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Is(JsonElement value, ReadOnlySpan<byte> text) => value.ValueKind == JsonValueKind.String && value.ValueEquals(text);

    private static int Members(JsonElement value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateObject())
        {
            count++;
        }

        return count;
    }

    private static CallToolResult ToolError(string message) =>
        new() { IsError = true, Content = [new TextContentBlock { Text = message }] };

    /// <summary>The SDK's answer to a call: one server-sent event with the JSON-RPC response, here with its length.</summary>
    private static async Task WriteAsync(HttpResponse response, JsonElement id, CallToolResult result, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        buffer.Write("event: message\ndata: "u8);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("result"u8);
            JsonSerializer.Serialize(writer, result, ResultType);
            writer.WritePropertyName("id"u8);
            if (id.ValueKind == JsonValueKind.Number)
            {
                writer.WriteNumberValue(id.GetInt64());
            }
            else
            {
                writer.WriteStringValue(id.GetString());
            }

            writer.WriteString("jsonrpc"u8, "2.0"u8);
            writer.WriteEndObject();
        }

        buffer.Write("\n\n"u8);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers.ContentEncoding = "identity";
        response.Headers["X-Accel-Buffering"] = "no";
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken);
    }
}
