using System.Collections.Immutable;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansMl.Gateway.Extensions;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests;

/// <summary>
/// The REST and MCP predict routes read rows straight into a batch and write the answer from its arrays: what they
/// answer, and every error, must be what the per-row contract (<see cref="IPredictorGrain.PredictAsync"/>) answers.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class PredictRouteTests(GatewayFactory factory)
{
    private static readonly string ChurnCsv = File.ReadAllText(Path.Combine(RestApiTests.RepositoryRoot(), "samples", "churn.csv"));

    private static readonly int[] ArrayValue = [1];

    private readonly HttpClient _http = factory.CreateClient();

    [Fact]
    public async Task RestAndMcp_AnswerExactlyWhatThePerRowContractAnswers()
    {
        var model = await TrainChurnAsync();
        var rows = ChurnRows().Take(30).ToList();
        var grains = factory.Services.GetRequiredService<IGrainFactory>();

        var rest = await (await _http.PostJsonAsync($"/api/models/{model}/predict", new { rows })).ReadJsonAsync();
        var expected = await grains.GetGrain<IPredictorGrain>(model).PredictAsync(new PredictionRequest(
            [.. rows.Select(r => r.ToImmutableDictionary(p => p.Key, p => p.Value is string s ? FeatureValue.FromString(s) : FeatureValue.FromNumber(Convert.ToDouble(p.Value, System.Globalization.CultureInfo.InvariantCulture))))]));
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        GatewayExtensions.ConfigureJson(json);
        await using var mcp = await factory.ConnectMcpAsync();
        var tool = await mcp.CallOkAsync("predict", new { model, rows });

        Assert.Equal(Normalized(JsonSerializer.SerializeToNode(expected, json)!).ToJsonString(), Normalized(rest).ToJsonString());
        Assert.Equal(Normalized(rest)["predictions"]!.ToJsonString(), Normalized(tool)["predictions"]!.ToJsonString().Replace(",\"value\":null", "", StringComparison.Ordinal));
        Assert.Equal(30, rest["predictions"]!.AsArray().Count);
    }

    [Fact]
    public async Task BadRequests_AreProblemDetailsNamingTheRowAndColumn()
    {
        var model = await TrainChurnAsync();
        var row = ChurnRows().First();
        var lacking = new Dictionary<string, object>(row);
        lacking.Remove("contract");
        var extra = new Dictionary<string, object>(row) { ["shoe_size"] = 43 };
        var wrong = new Dictionary<string, object>(row) { ["tenure_months"] = "long" };

        await AssertProblemAsync(await Post(model, new { rows = new[] { row, lacking } }), HttpStatusCode.BadRequest, "rows[1]: Invalid prediction row: missing column 'contract'");
        await AssertProblemAsync(await Post(model, new { rows = new[] { extra } }), HttpStatusCode.BadRequest, "unknown column 'shoe_size'");
        await AssertProblemAsync(await Post(model, new { rows = new[] { row, row, wrong } }), HttpStatusCode.BadRequest, "rows[2]: Invalid prediction row: column 'tenure_months' expects a number but got 'long'");
        await AssertProblemAsync(await Post(model, new { rows = new object[] { row, new { tenure_months = ArrayValue } } }), HttpStatusCode.BadRequest, "rows[1]: column 'tenure_months' holds a JSON array");
        await AssertProblemAsync(await Post(model, new { rows = Array.Empty<object>() }), HttpStatusCode.BadRequest, "at least one row");
        await AssertProblemAsync(await Post(model, new { rows = Enumerable.Repeat(new { a = 1 }, 10_001) }), HttpStatusCode.RequestEntityTooLarge, "at most 10000 rows (got 10001)");
        await AssertProblemAsync(await Post("nobody-trained-this", new { rows = new[] { row } }), HttpStatusCode.NotFound, "nobody-trained-this");
        await AssertProblemAsync(await Post("bad name", new { rows = new[] { row } }), HttpStatusCode.BadRequest, "Invalid model name");
        await AssertProblemAsync(
            await _http.PostAsync($"/api/models/{model}/predict", new StringContent("{\"rows\":[{\"a\":1,}]}", MediaTypeHeaderValue.Parse("application/json"))),
            HttpStatusCode.BadRequest, "JSON");
        var text = await _http.PostAsync($"/api/models/{model}/predict", new StringContent("rows", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
    }

    [Fact]
    public async Task RepeatedColumnsAndFields_UnknownFields_AndTextAfterTheBody_AreRefused_AndScoreNothing()
    {
        var model = await TrainChurnAsync();
        var row = """{"tenure_months":2,"monthly_charges":95.5,"contract":"month-to-month","internet":"fiber","support_calls":5,"paperless":"yes"}""";
        var repeated = """{"tenure_months":2,"monthly_charges":95.5,"contract":"month-to-month","internet":"fiber","support_calls":5,"paperless":"yes","tenure_months":70}""";
        var reordered = """{"monthly_charges":95.5,"tenure_months":2,"contract":"month-to-month","internet":"fiber","support_calls":5,"paperless":"yes","monthly_charges":20}""";

        await AssertProblemAsync(await PostRaw(model, $$"""{"rows":[{{repeated}}]}"""), HttpStatusCode.BadRequest, "rows[0] names column 'tenure_months' twice");
        await AssertProblemAsync(await PostRaw(model, $$"""{"rows":[{{row}},{{repeated}}]}"""), HttpStatusCode.BadRequest, "rows[1] names column 'tenure_months' twice");
        await AssertProblemAsync(await PostRaw(model, $$"""{"rows":[{{row}},{{reordered}}]}"""), HttpStatusCode.BadRequest, "rows[1] names column 'monthly_charges' twice");
        await AssertProblemAsync(await PostRaw(model, $$"""{"rows":[{{row}}],"verison":5}"""), HttpStatusCode.BadRequest, "Unknown field 'verison' in the request body; its fields are: rows, version, alias, features");
        await AssertProblemAsync(await PostRaw(model, $$"""{"rows":[{{row}}],"version":1,"Version":1}"""), HttpStatusCode.BadRequest, "names 'Version' twice");
        await AssertProblemAsync(await PostRaw(model, $$"""{"rows":[{{row}}]} xyz"""), HttpStatusCode.BadRequest, "invalid after a single JSON value");
        await AssertProblemAsync(await PostRaw(model, $$"""{"rows":[{{row}}]}{"rows":[{{row}}]}"""), HttpStatusCode.BadRequest, "invalid after a single JSON value");
        await using var mcp = await factory.ConnectMcpAsync();
        var viaMcp = await mcp.CallInvalidParamsAsync("predict", new Dictionary<string, object?>
        {
            ["model"] = model,
            ["rows"] = JsonDocument.Parse($"[{repeated}]").RootElement.Clone(),
        });
        Assert.Contains("rows[0] names column 'tenure_months' twice", viaMcp, StringComparison.Ordinal);

        // One good request after the refused ones: the model's live counts show it alone.
        Assert.Equal(HttpStatusCode.OK, (await PostRaw(model, $$"""{"rows":[{{row}}]}""")).StatusCode);
        var window = await _http.WaitForHealthWindowAsync(model);
        Assert.Equal((1, 1, 0), (window["requests"]!.GetValue<long>(), window["rows"]!.GetValue<long>(), window["errors"]!.GetValue<long>()));
    }

    [Fact]
    public async Task VersionAndAliasTogether_AreRefusedNamingBoth_OverRestAndMcp_AndScoreNothing()
    {
        var model = await TrainChurnAsync();
        var row = ChurnRows().First();
        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 })).StatusCode);

        await AssertProblemAsync(await Post(model, new { rows = new[] { row }, version = 1, alias = "production" }), HttpStatusCode.BadRequest,
            "version (1) and alias ('production') are both given; send one");
        await using var mcp = await factory.ConnectMcpAsync();
        var viaMcp = await mcp.CallInvalidParamsAsync("predict", new { model, rows = new[] { row }, version = 1, alias = "production" });
        Assert.Contains("version (1) and alias ('production') are both given", viaMcp, StringComparison.Ordinal);

        // Either one alone still scores; the refused requests left no trace in the model's live counts.
        Assert.Equal(HttpStatusCode.OK, (await Post(model, new { rows = new[] { row }, version = 1 })).StatusCode);
        var window = await _http.WaitForHealthWindowAsync(model);
        Assert.Equal((1, 0), (window["requests"]!.GetValue<long>(), window["errors"]!.GetValue<long>()));
        Assert.Equal(HttpStatusCode.OK, (await Post(model, new { rows = new[] { row }, alias = "production" })).StatusCode);
    }

    /// <summary>
    /// A body is received straight into buffers, without a zero-byte read before each 4 KB of it: that halves the receive
    /// calls of a 1,000-row body (docs/performance.md, "Receiving a body without a read that waits first").
    /// </summary>
    [Fact]
    public void TheGateway_ReceivesBodiesWithoutWaitingReads()
    {
        var sockets = factory.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;

        Assert.False(sockets.WaitForDataBeforeAllocatingBuffer);
    }

    [Fact]
    public async Task AnEmbeddedGateway_ScoresInItsOwnProcess_WithoutAGrainCall_AndAnswersAsTheGrainDoes()
    {
        var rows = ChurnRows().Take(6).ToList();
        var inProcess = await PredictorCallsAsync(inProcess: true, rows);
        var calling = await PredictorCallsAsync(inProcess: false, rows);

        // 6 REST calls, one MCP call and one Open Inference Protocol call, each with the same labels.
        Assert.Equal(0, inProcess.Calls);
        Assert.Equal(8, calling.Calls);
        Assert.Equal(inProcess.Labels[..6], inProcess.Labels[6..12]);
        Assert.Equal(inProcess.Labels[..6], inProcess.Labels[12..]);
        Assert.Equal(calling.Labels[..6], calling.Labels[6..12]);
        Assert.Equal(calling.Labels[..6], calling.Labels[12..]);
    }

    [Fact]
    public async Task ManyPredictionsAtOnce_InTheGatewaysProcess_EachGetTheirOwnRowsAnswer()
    {
        var model = await TrainChurnAsync();
        var rows = ChurnRows().Take(40).ToList();
        var expected = new List<string>();
        foreach (var row in rows)
        {
            var answer = await (await Post(model, new { rows = new[] { row } })).ReadJsonAsync();
            expected.Add(answer["predictions"]![0]!["probabilities"]!.ToJsonString());
        }

        // Far more calls at once than a model has replicas in the process: some wait for none, the rest go to the grain.
        var answers = await Task.WhenAll(Enumerable.Range(0, 400).Select(async i =>
        {
            await Task.Yield();
            var answer = await (await Post(model, new { rows = new[] { rows[i % rows.Count] } })).ReadJsonAsync();
            return (Index: i % rows.Count, Probabilities: answer["predictions"]![0]!["probabilities"]!.ToJsonString());
        }));

        Assert.All(answers, a => Assert.Equal(expected[a.Index], a.Probabilities));
        var window = await _http.WaitForHealthWindowAsync(model, requests: 440);
        Assert.Equal((440, 0), (window["requests"]!.GetValue<long>(), window["errors"]!.GetValue<long>()));
    }

    private Task<HttpResponseMessage> Post(string model, object body) => _http.PostJsonAsync($"/api/models/{model}/predict", body);

    private Task<HttpResponseMessage> PostRaw(string model, string body) =>
        _http.PostAsync($"/api/models/{model}/predict", new StringContent(body, Encoding.UTF8, "application/json"));

    private Task<string> TrainChurnAsync() => TrainChurnAsync(_http);

    private static async Task<string> TrainChurnAsync(HttpClient http)
    {
        var model = $"churn-{Guid.NewGuid():N}"[..14];
        Assert.Equal(HttpStatusCode.Created, (await http.PostCsvAsync($"/api/datasets/{model}", ChurnCsv)).StatusCode);
        var queued = await (await http.PostJsonAsync($"/api/models/{model}/train", new { dataset = model, label = "churned", algorithm = "lightgbm" })).ReadJsonAsync();
        Assert.Equal("succeeded", (await http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>()))["status"]!.GetValue<string>());
        return model;
    }

    /// <summary>
    /// Trains a model in a fresh gateway told to score in its own process or not, predicts <paramref name="rows"/> every
    /// way, and counts the calls its silo received on the predictor grain.
    /// </summary>
    private static async Task<(int Calls, List<string> Labels)> PredictorCallsAsync(bool inProcess, List<Dictionary<string, object>> rows)
    {
        var calls = new PredictorCallCounter();
        await using var gateway = new GatewayFactory
        {
            Settings = new Dictionary<string, string> { ["OrleansMl:InProcessPredictions"] = inProcess ? "true" : "false" },
            TestServices = services => services.AddSingleton<IIncomingGrainCallFilter>(calls),
        };
        using var http = gateway.CreateClient();
        var model = await TrainChurnAsync(http);
        var labels = await PredictEveryWayAsync(gateway, http, model, rows);
        Assert.Equal(inProcess, gateway.Services.GetRequiredService<Api.Predictors>().InProcess);
        return (calls.Count, labels);
    }

    /// <summary>The labels of one REST prediction per row, then of one MCP and one Open Inference Protocol prediction of all rows.</summary>
    private static async Task<List<string>> PredictEveryWayAsync(GatewayFactory gateway, HttpClient http, string model, List<Dictionary<string, object>> rows)
    {
        var labels = new List<string>();
        foreach (var row in rows)
        {
            var rest = await (await http.PostJsonAsync($"/api/models/{model}/predict", new { rows = new[] { row } })).ReadJsonAsync();
            labels.Add(rest["predictions"]![0]!["label"]!.GetValue<string>());
        }

        await using var mcp = await gateway.ConnectMcpAsync();
        var tool = await mcp.CallOkAsync("predict", new { model, rows });
        labels.AddRange(tool["predictions"]!.AsArray().Select(p => p!["label"]!.GetValue<string>()));
        var inputs = rows[0].Keys.Select(column => new
        {
            name = column,
            shape = new[] { rows.Count },
            datatype = column == "paperless" ? "BOOL" : rows[0][column] is double ? "FP64" : "BYTES",
            data = rows.Select(r => column == "paperless" ? (object)Equals(r[column], "yes") : r[column]).ToArray(),
        });
        var infer = await (await http.PostJsonAsync($"/v2/models/{model}/infer", new { inputs })).ReadJsonAsync();
        labels.AddRange(infer["outputs"]!.AsArray().Single(o => o!["name"]!.GetValue<string>() == "label")!["data"]!.AsArray().Select(v => v!.GetValue<string>()));
        return labels;
    }

    /// <summary>The sample's rows as JSON would carry them: numbers as numbers, the rest as strings, without id and label.</summary>
    private static IEnumerable<Dictionary<string, object>> ChurnRows()
    {
        var lines = ChurnCsv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            var row = new Dictionary<string, object>();
            for (var c = 0; c < header.Length; c++)
            {
                if (header[c] is not ("customer_id" or "churned"))
                {
                    row[header[c]] = double.TryParse(cells[c], System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : cells[c];
                }
            }

            yield return row;
        }
    }

    /// <summary>The answer with each row's probabilities in class-name order (the per-row form keeps no order).</summary>
    private static JsonNode Normalized(JsonNode answer)
    {
        var copy = answer.DeepClone();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var prediction in copy["predictions"]!.AsArray())
        {
            // Each answer carries its own signed ids: checked here (present, distinct), then left out of the comparison.
            var id = prediction!["predictionId"]!.GetValue<string>();
            Assert.Equal(44, id.Length);
            Assert.True(ids.Add(id), $"prediction id {id} appears twice");
            prediction.AsObject().Remove("predictionId");

            if (prediction!["probabilities"] is JsonObject probabilities)
            {
                var sorted = new JsonObject();
                foreach (var (name, value) in probabilities.OrderBy(p => p.Key, StringComparer.Ordinal).ToList())
                {
                    sorted[name] = value!.DeepClone();
                }

                prediction["probabilities"] = sorted;
            }
        }

        return copy;
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, JsonNode.Parse(body)!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>Counts the calls a silo receives on <see cref="IPredictorGrain"/>.</summary>
    private sealed class PredictorCallCounter : IIncomingGrainCallFilter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod.DeclaringType == typeof(IPredictorGrain))
            {
                Interlocked.Increment(ref _count);
            }

            return context.Invoke();
        }
    }
}
