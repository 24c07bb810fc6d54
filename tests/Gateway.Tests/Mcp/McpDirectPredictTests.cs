using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OrleansMl.Diagnostics;
using OrleansMl.Gateway.Mcp;

namespace OrleansMl.Gateway.Tests.Mcp;

/// <summary>
/// Plain <c>predict</c> calls answered without the SDK's per-request server: the same bytes as the SDK's answer (with the
/// prediction ids aside, which are new for every call), and every call it cannot answer exactly left to the SDK.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed partial class McpDirectPredictTests(GatewayFactory factory) : IAsyncLifetime
{
    private const string Rows = """[{"x1":1.5,"x2":0.5,"color":"red"},{"x1":-1,"x2":-0.25,"color":"blue"}]""";

    private static readonly string[] AnswerHeaders = ["Content-Type", "Cache-Control", "Content-Encoding", "X-Accel-Buffering"];

    private string _model = null!;

    private DirectPredictCalls Direct => factory.Services.GetRequiredService<DirectPredictCalls>();

    public async Task InitializeAsync()
    {
        await using var client = await factory.ConnectMcpAsync();
        var dataset = McpTestClient.Unique("direct-data");
        _model = McpTestClient.Unique("direct");
        await client.CallOkAsync("create_dataset", new { name = dataset, csv = McpTestClient.BinaryCsv(200) });
        await client.CallOkAsync("train_model", new { model = _model, dataset, label = "label", algorithm = "linear", wait = true });
        await client.CallOkAsync("train_model", new { model = _model, dataset, label = "label", algorithm = "lightgbm", wait = true });
        await client.CallOkAsync("promote_model", new { model = _model, version = 1, reason = "baseline" });
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData(null, "1", "")]
    [InlineData("2025-03-26", "\"call-1\"", ",\"version\":2")]
    [InlineData("2025-06-18", "42", ",\"alias\":\"production\"")]
    [InlineData("2025-11-25", "9007199254740993", ",\"version\":null,\"alias\":null")]
    [InlineData("2025-11-25", "\"\\u00e9\\\"<x>&\"", "")]
    [InlineData(null, "-7", ",\"features\":null")]
    public async Task APlainCall_IsAnsweredDirectly_WithTheSdksBytes(string? protocolVersion, string id, string more)
    {
        var arguments = $$"""{"model":"{{_model}}","rows":{{Rows}}{{more}}}""";

        var direct = await CallAsync(Call(id, arguments), protocolVersion, expectDirect: true);
        var viaSdk = await CallAsync(Call(id, arguments, meta: true), protocolVersion, expectDirect: false);

        Assert.Equal(HttpStatusCode.OK, direct.Status);
        Assert.Equal(viaSdk.Headers, direct.Headers);
        Assert.Equal(WithoutPredictionIds(viaSdk.Body), WithoutPredictionIds(direct.Body));
        Assert.Equal(direct.Body.Length, direct.Length);
        var result = Result(direct.Body);
        Assert.NotEqual(true, result["isError"]?.GetValue<bool>());
        Assert.Equal(2, result["structuredContent"]!["predictions"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("""{"model":"nobody-trained-this","rows":[{"x1":1}]}""", "does not exist")]
    [InlineData("""{"model":"MODEL","rows":[{"x1":1.0,"color":"red"}]}""", "x2")]
    [InlineData("""{"model":"MODEL","version":9,"rows":[{"x1":1.0,"x2":1.0,"color":"red"}]}""", "describe_model")]
    public async Task ToolErrors_AreAnsweredDirectly_AsTheSdkAnswersThem(string arguments, string expected)
    {
        arguments = arguments.Replace("MODEL", _model, StringComparison.Ordinal);

        var direct = await CallAsync(Call("5", arguments), "2025-11-25", expectDirect: true);
        var viaSdk = await CallAsync(Call("5", arguments, meta: true), "2025-11-25", expectDirect: false);

        Assert.Equal(viaSdk.Body, direct.Body);
        var result = Result(direct.Body);
        Assert.True(result["isError"]!.GetValue<bool>());
        Assert.Contains(expected, result["content"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string?> NotPlain => new()
    {
        { "invalid params", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"predict","arguments":{"model":"MODEL","rows":"x"}}}""", "-32602" },
        { "unknown argument", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"predict","arguments":{"model":"MODEL","rows":ROWS,"verison":2}}}""", "-32602" },
        { "argument named twice", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"predict","arguments":{"model":"MODEL","rows":ROWS,"model":"other"}}}""", null },
        { "member named twice", """{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/call","params":{"name":"predict","arguments":{"model":"MODEL","rows":ROWS}}}""", null },
        { "unknown member", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"predict","arguments":{"model":"MODEL","rows":ROWS}},"extra":true}""", null },
        { "fractional id", """{"jsonrpc":"2.0","id":1.5,"method":"tools/call","params":{"name":"predict","arguments":{"model":"MODEL","rows":ROWS}}}""", null },
        { "a name that is not a string", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":5,"arguments":{"model":"MODEL","rows":ROWS}}}""", null },
        { "a method that is not a string", """{"jsonrpc":"2.0","id":1,"method":["tools/call"],"params":{"name":"predict","arguments":{"model":"MODEL","rows":ROWS}}}""", null },
        { "a version that is not a string", """{"jsonrpc":2.0,"id":1,"method":"tools/call","params":{"name":"predict","arguments":{"model":"MODEL","rows":ROWS}}}""", null },
        { "another tool", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_models","arguments":{}}}""", "\"result\"" },
        { "a batch", """[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"predict","arguments":{"model":"MODEL","rows":ROWS}}}]""", null },
        { "text after the request", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"predict","arguments":{"model":"MODEL","rows":ROWS}}} x""", null },
    };

    [Theory]
    [MemberData(nameof(NotPlain))]
    public async Task CallsItCannotAnswerExactly_AreLeftToTheSdk(string what, string body, string? expected)
    {
        body = body.Replace("MODEL", _model, StringComparison.Ordinal).Replace("ROWS", Rows, StringComparison.Ordinal);

        var answer = await CallAsync(body, "2025-11-25", expectDirect: false);

        Assert.NotEqual(HttpStatusCode.InternalServerError, answer.Status);
        if (expected is not null)
        {
            Assert.True(answer.Body.Contains(expected, StringComparison.Ordinal), $"{what}: {answer.Body}");
        }
    }

    [Theory]
    [InlineData("MCP-Protocol-Version", "2026-07-28")]
    [InlineData("Mcp-Session-Id", "abc")]
    [InlineData("Mcp-Method", "tools/call")]
    public async Task HeadersItDoesNotCheck_LeaveTheCallToTheSdk(string header, string value)
    {
        var body = Call("1", $$"""{"model":"{{_model}}","rows":{{Rows}}}""");
        var before = Direct.Served;
        using var http = factory.CreateClient();
        using var request = McpTestClient.McpPost(body);
        request.Headers.TryAddWithoutValidation(header, value);

        using var response = await http.SendAsync(request);
        await response.Content.ReadAsStringAsync();

        Assert.Equal(before, Direct.Served);
    }

    [Fact]
    public async Task WithoutBothMediaTypesAccepted_TheSdkAnswers406()
    {
        var before = Direct.Served;
        using var http = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(Call("1", $$"""{"model":"{{_model}}","rows":{{Rows}}}"""), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
        Assert.Equal(before, Direct.Served);
    }

    [Fact]
    public async Task DirectCalls_AreCountedInTheToolMetrics()
    {
        var recorded = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == OrleansMlMetrics.MeterName && instrument.Name == "orleansml.mcp.tool.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "tool", Value: "predict" })
                {
                    Interlocked.Increment(ref recorded);
                }
            }
        });
        listener.Start();

        for (var i = 0; i < 3; i++)
        {
            await CallAsync(Call("1", $$"""{"model":"{{_model}}","rows":{{Rows}}}"""), null, expectDirect: true);
        }

        Assert.True(Interlocked.Read(ref recorded) >= 3, $"recorded {recorded}");
    }

    private static string Call(string id, string arguments, bool meta = false) =>
        $$$"""{"jsonrpc":"2.0","id":{{{id}}},"method":"tools/call","params":{"name":"predict","arguments":{{{arguments}}}{{{(meta ? ",\"_meta\":{}" : "")}}}}}""";

    private async Task<Answer> CallAsync(string body, string? protocolVersion, bool expectDirect)
    {
        var before = Direct.Served;
        using var http = factory.CreateClient();
        using var request = McpTestClient.McpPost(body, protocolVersion);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(before + (expectDirect ? 1 : 0), Direct.Served);
        var headers = string.Join("; ", AnswerHeaders.Select(h => $"{h}={(response.Headers.TryGetValues(h, out var v) || response.Content.Headers.TryGetValues(h, out v) ? string.Join(",", v) : "")}"));
        return new Answer(response.StatusCode, headers, text, response.Content.Headers.ContentLength);
    }

    private static JsonNode Result(string sse) => McpTestClient.EventMessage(sse)["result"]!;

    private static string WithoutPredictionIds(string body) => PredictionId().Replace(body, "predictionId$1:$2ID$3");

    [GeneratedRegex("""predictionId(\\u0022|")\s*:\s*(\\u0022|")[A-Za-z0-9_-]+(\\u0022|")""")]
    private static partial Regex PredictionId();

    private sealed record Answer(HttpStatusCode Status, string Headers, string Body, long? Length);
}
