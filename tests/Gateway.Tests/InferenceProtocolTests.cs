using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace OrleansMl.Gateway.Tests;

/// <summary>The Open Inference Protocol surface (<c>/v2</c>) against real trained models, compared with REST predict.</summary>
[Collection(GatewayCollection.Name)]
public sealed class InferenceProtocolTests(GatewayFactory factory)
{
    private readonly HttpClient _http = factory.CreateClient();

    [Fact]
    public async Task Health_IsLiveAndReady()
    {
        var live = await _http.GetAsync("/v2/health/live");
        var ready = await _http.GetAsync("/v2/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.True((await live.ReadJsonAsync())["live"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.True((await ready.ReadJsonAsync())["ready"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Binary_MetadataListsEveryColumn_AndInferEqualsRestPredict()
    {
        var (model, rows) = await TrainAsync("breast_cancer", "lightgbm");

        var metadata = await (await _http.GetAsync($"/v2/models/{model}")).ReadJsonAsync();
        var inputs = metadata["inputs"]!.AsArray();
        Assert.Equal(model, metadata["name"]!.GetValue<string>());
        Assert.Equal(["1"], metadata["versions"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(30, inputs.Count);
        Assert.Contains(inputs, i => i!["name"]!.GetValue<string>() == "mean radius" && i["datatype"]!.GetValue<string>() == "FP32"
            && i["shape"]!.AsArray().Single()!.GetValue<int>() == -1);
        Assert.Equal(["label", "probabilities", "score"], metadata["outputs"]!.AsArray().Select(o => o!["name"]!.GetValue<string>()));

        var (infer, rest) = await InferAndPredictAsync(model, rows.Take(25).ToList(), $"/v2/models/{model}/infer");

        var outputs = Outputs(infer);
        Assert.Equal(model, infer["model_name"]!.GetValue<string>());
        Assert.Equal("1", infer["model_version"]!.GetValue<string>());
        Assert.Equal("request-7", infer["id"]!.GetValue<string>());
        Assert.Equal("FP64", outputs["label"]["datatype"]!.GetValue<string>());
        Assert.Equal([25, 2], outputs["probabilities"]["shape"]!.AsArray().Select(d => d!.GetValue<int>()));
        Assert.Equal("[\"0\",\"1\"]", outputs["probabilities"]["parameters"]!["classes"]!.GetValue<string>());
        AssertSame(rest, outputs, ["0", "1"]);
    }

    [Fact]
    public async Task Multiclass_InferReturnsLabelsAndProbabilities_EqualToRestPredict()
    {
        var (model, rows) = await TrainAsync("iris", "fastforest");

        var (infer, rest) = await InferAndPredictAsync(model, rows, $"/v2/models/{model}/versions/1/infer");

        var outputs = Outputs(infer);
        Assert.Equal("BYTES", outputs["label"]["datatype"]!.GetValue<string>());
        Assert.Equal([150, 3], outputs["probabilities"]["shape"]!.AsArray().Select(d => d!.GetValue<int>()));
        AssertSame(rest, outputs, ["setosa", "versicolor", "virginica"]);
    }

    [Theory]
    [InlineData("fasttree")]
    [InlineData("kernelridge")]
    public async Task Regression_InferReturnsValues_EqualToRestPredict(string algorithm)
    {
        var (model, rows) = await TrainAsync("diabetes", algorithm);

        var (infer, rest) = await InferAndPredictAsync(model, rows.Take(40).ToList(), $"/v2/models/{model}/infer");

        var value = Outputs(infer)["value"];
        Assert.Equal("FP64", value["datatype"]!.GetValue<string>());
        Assert.Equal(
            rest["predictions"]!.AsArray().Select(p => p!["value"]!.GetValue<double>()),
            value["data"]!.AsArray().Select(v => v!.GetValue<double>()));
    }

    [Fact]
    public async Task Infer_TakesCategoriesAsBytes_AndBooleansAsBool()
    {
        var model = Unique("churn");
        var dataset = Unique("churn-data");
        var csv = await File.ReadAllTextAsync(Path.Combine(RestApiTests.RepositoryRoot(), "samples", "churn.csv"));
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{dataset}", csv)).StatusCode);
        var queued = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset, label = "churned", algorithm = "lightgbm" })).ReadJsonAsync();
        Assert.Equal("succeeded", (await _http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>()))["status"]!.GetValue<string>());
        var metadata = await (await _http.GetAsync($"/v2/models/{model}/versions/1")).ReadJsonAsync();
        var datatypes = metadata["inputs"]!.AsArray().ToDictionary(i => i!["name"]!.GetValue<string>(), i => i!["datatype"]!.GetValue<string>());
        var body = new JsonObject
        {
            ["inputs"] = new JsonArray(
                Tensor("tenure_months", "INT64", 2, 40),
                Tensor("monthly_charges", "FP32", 95.5, 20.0),
                Tensor("contract", "BYTES", "month-to-month", "two-year"),
                Tensor("internet", "BYTES", "fiber", "dsl"),
                Tensor("support_calls", "INT64", 5, 0),
                Tensor("paperless", "BOOL", true, false)),
        };

        var infer = await (await _http.PostAsync($"/v2/models/{model}/infer", Content(body))).ReadJsonAsync();

        Assert.Equal("BYTES", datatypes["contract"]);
        Assert.Equal("BOOL", datatypes["paperless"]);
        Assert.DoesNotContain("customer_id", datatypes.Keys);
        Assert.Equal(["yes", "no"], Outputs(infer)["label"]["data"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public async Task Errors_HaveTheProtocolShape_AndNameTheProblem()
    {
        var (model, rows) = await TrainAsync("iris", "lightgbm");
        var good = Columns(rows.Take(2).ToList());
        var missing = Columns(rows.Take(2).ToList());
        missing.RemoveAt(0);
        var ragged = Columns(rows.Take(2).ToList());
        ragged[1] = Tensor("sepal width (cm)", "FP32", 3.0);
        var wrongType = Columns(rows.Take(2).ToList());
        wrongType[0] = Tensor("sepal length (cm)", "FP32", "five", 5.1);

        await AssertErrorAsync(HttpStatusCode.NotFound, "/v2/models/no-such-model/infer", Body(good), "no-such-model");
        await AssertErrorAsync(HttpStatusCode.NotFound, $"/v2/models/{model}/versions/9/infer", Body(good), "9");
        await AssertErrorAsync(HttpStatusCode.BadRequest, $"/v2/models/{model}/versions/latest/infer", Body(good), "version must be a version number: versions start at 1 (got 'latest').");
        await AssertErrorAsync(HttpStatusCode.BadRequest, $"/v2/models/{model}/infer", Body(missing), "missing column 'sepal length (cm)'");
        await AssertErrorAsync(HttpStatusCode.BadRequest, $"/v2/models/{model}/infer", Body(ragged), "holds 1 values");
        await AssertErrorAsync(HttpStatusCode.BadRequest, $"/v2/models/{model}/infer", Body(wrongType), "holds a JSON string at index 0");
        await AssertErrorAsync(HttpStatusCode.BadRequest, $"/v2/models/{model}/infer", "{\"inputs\": [", "Malformed JSON");
        await AssertErrorAsync(HttpStatusCode.BadRequest, $"/v2/models/{model}/infer", "{\"inputs\": []}", "inputs is required");
        await AssertErrorAsync(HttpStatusCode.BadRequest, $"/v2/models/{model}/infer", Body(good, outputs: ["labels"]), "Unknown output 'labels'");
        var body = Body(good);
        await AssertErrorAsync(HttpStatusCode.BadRequest, $"/v2/models/{model}/infer", body[..^1] + ", \"Inputs\": []}", "The request names 'inputs' twice; send each field once.");
        await AssertErrorAsync(HttpStatusCode.BadRequest, $"/v2/models/{model}/infer", body.Replace("\"datatype\"", "\"datatype\": \"BYTES\", \"datatype\"", StringComparison.Ordinal), "inputs[0] names 'datatype' twice");
        var notFound = await _http.GetAsync("/v2/models/no-such-model/ready");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Contains("no-such-model", (await notFound.ReadJsonAsync())["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var ready = await (await _http.GetAsync($"/v2/models/{model}/versions/1/ready")).ReadJsonAsync();
        Assert.True(ready["ready"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Infer_WithTextAfterTheBody_IsMalformedJson_AndScoresNothing()
    {
        var (model, rows) = await TrainAsync("iris", "lightgbm");
        var body = Body(Columns(rows.Take(2).ToList()));

        await AssertErrorAsync(HttpStatusCode.BadRequest, $"/v2/models/{model}/infer", body + " garbage", "Malformed JSON body: 'g' is invalid after a single JSON value");
        await AssertErrorAsync(HttpStatusCode.BadRequest, $"/v2/models/{model}/infer", body + body, "Malformed JSON body");

        Assert.Equal(HttpStatusCode.OK, (await _http.PostAsync($"/v2/models/{model}/infer", new StringContent(body, Encoding.UTF8, "application/json"))).StatusCode);
        var window = await _http.WaitForHealthWindowAsync(model);
        Assert.Equal((1, 2), (window["requests"]!.GetValue<long>(), window["rows"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Infer_RefusesValuesTheirDatatypeCannotHold_DataDeeperThanTheShape_AndOtherContentTypes_AndScoresNothing()
    {
        var (model, rows) = await TrainAsync("iris", "lightgbm");
        var url = $"/v2/models/{model}/infer";
        string With(string datatype, string shape, string data)
        {
            var inputs = Columns(rows.Take(1).ToList());
            inputs[0]["datatype"] = datatype;
            inputs[0]["shape"] = JsonNode.Parse(shape);
            inputs[0]["data"] = JsonNode.Parse(data);
            return Body(inputs);
        }

        await AssertErrorAsync(HttpStatusCode.BadRequest, url, With("INT8", "[1]", "[300]"),
            "Input 'sepal length (cm)' (INT8) holds 300 at index 0, which INT8 cannot hold: INT8 data are whole numbers from -128 to 127.");
        await AssertErrorAsync(HttpStatusCode.BadRequest, url, With("UINT8", "[1]", "[-1]"), "holds -1 at index 0, which UINT8 cannot hold: UINT8 data are whole numbers from 0 to 255.");
        await AssertErrorAsync(HttpStatusCode.BadRequest, url, With("INT32", "[1]", "[1.5]"), "holds 1.5 at index 0, which INT32 cannot hold");
        await AssertErrorAsync(HttpStatusCode.BadRequest, url, With("FP16", "[1]", "[1e6]"), "holds 1e6 at index 0, which FP16 cannot hold: FP16 data are numbers from -65504 to 65504.");
        await AssertErrorAsync(HttpStatusCode.BadRequest, url, With("INT64", "[1]", "[9223372036854775808]"), "which INT64 cannot hold");
        await AssertErrorAsync(HttpStatusCode.BadRequest, url, With("UINT64", "[1]", "[18446744073709551616]"), "which UINT64 cannot hold");
        await AssertErrorAsync(HttpStatusCode.BadRequest, url, With("FP32", "[1]", "[[[[2]]]]"), "Input 'sepal length (cm)' nests its data deeper than its shape [1] at index 0");
        await AssertErrorAsync(HttpStatusCode.BadRequest, url, With("FP32", "[1, 1]", "[[[2]]]"), "nests its data deeper than its shape [1, 1]");
        await AssertErrorAsync(HttpStatusCode.BadRequest, url, With("FP32", "[2, 1]", "[[2, 3]]"), "has an inner array of 2 values at index 0");
        var text = await _http.PostAsync(url, new StringContent(With("FP32", "[1]", "[5.1]"), Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Contains("must be JSON (Content-Type: application/json); got 'text/plain", (await text.ReadJsonAsync())["error"]!.GetValue<string>(), StringComparison.Ordinal);

        // One good request after the refused ones: the model's live counts show it alone.
        Assert.Equal(HttpStatusCode.OK, (await _http.PostAsync(url, new StringContent(With("FP32", "[1]", "[5.1]"), Encoding.UTF8, "application/json"))).StatusCode);
        var window = await _http.WaitForHealthWindowAsync(model);
        Assert.Equal((1, 1), (window["requests"]!.GetValue<long>(), window["rows"]!.GetValue<long>()));

        // What the datatypes do hold is served: their bounds, a value nested as [rows, 1], and a body without a Content-Type.
        foreach (var body in new[] { With("INT64", "[1]", "[9223372036854775807]"), With("INT8", "[1]", "[-128]"), With("UINT64", "[1]", "[18446744073709551615]"), With("FP32", "[1, 1]", "[[5.1]]") })
        {
            var answer = await _http.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{body}: {await answer.Content.ReadAsStringAsync()}");
        }

        var untyped = new ByteArrayContent(Encoding.UTF8.GetBytes(With("FP32", "[1]", "[5.1]")));
        Assert.Equal(HttpStatusCode.OK, (await _http.PostAsync(url, untyped)).StatusCode);
    }

    [Fact]
    public async Task Infer_ReturnsOnlyTheRequestedOutputs()
    {
        var (model, rows) = await TrainAsync("iris", "lightgbm");

        var infer = await (await _http.PostAsync($"/v2/models/{model}/infer", new StringContent(Body(Columns(rows.Take(3).ToList()), outputs: ["label"]), Encoding.UTF8, "application/json"))).ReadJsonAsync();

        Assert.Equal(["label"], infer["outputs"]!.AsArray().Select(o => o!["name"]!.GetValue<string>()));
    }

    private async Task AssertErrorAsync(HttpStatusCode status, string url, string body, string text)
    {
        var response = await _http.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));
        var error = (await response.ReadJsonAsync())["error"]?.GetValue<string>();

        Assert.Equal(status, response.StatusCode);
        Assert.NotNull(error);
        Assert.Contains(text, error, StringComparison.Ordinal);
    }

    /// <summary>Uploads one of the public datasets, trains a version and waits for it; returns the rows without the label.</summary>
    private async Task<(string Model, List<JsonObject> Rows)> TrainAsync(string dataset, string algorithm)
    {
        var model = Unique(dataset.Replace('_', '-'));
        var csv = await File.ReadAllTextAsync(Path.Combine(RestApiTests.RepositoryRoot(), "tests", "data", dataset + ".csv"));
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{model}", csv)).StatusCode);
        var queued = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset = model, label = "target", algorithm })).ReadJsonAsync();
        var done = await _http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>());
        Assert.Equal("succeeded", done["status"]!.GetValue<string>());

        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(line =>
        {
            var cells = line.Split(',');
            var row = new JsonObject();
            for (var c = 0; c < header.Length - 1; c++)
            {
                row[header[c]] = double.Parse(cells[c], System.Globalization.CultureInfo.InvariantCulture);
            }

            return row;
        }).ToList();
        return (model, rows);
    }

    private async Task<(JsonNode Infer, JsonNode Predicted)> InferAndPredictAsync(string model, List<JsonObject> rows, string url)
    {
        var infer = await _http.PostAsync(url, new StringContent(Body(Columns(rows), id: "request-7"), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, infer.StatusCode);
        var rest = await _http.PostJsonAsync($"/api/models/{model}/predict", new { rows });
        Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
        return (await infer.ReadJsonAsync(), await rest.ReadJsonAsync());
    }

    private static void AssertSame(JsonNode rest, Dictionary<string, JsonNode> outputs, string[] classes)
    {
        var predictions = rest["predictions"]!.AsArray();
        var labels = outputs["label"]["data"]!.AsArray();
        var probabilities = outputs["probabilities"]["data"]!.AsArray().Select(p => p!.GetValue<double>()).ToArray();
        var scores = outputs["score"]["data"]!.AsArray();
        for (var r = 0; r < predictions.Count; r++)
        {
            var expected = predictions[r]!;
            Assert.Equal(expected["label"]!.ToJsonString(), labels[r]!.ToJsonString());
            Assert.Equal(expected["score"]!.GetValue<double>(), scores[r]!.GetValue<double>());
            for (var k = 0; k < classes.Length; k++)
            {
                Assert.Equal(expected["probabilities"]![classes[k]]!.GetValue<double>(), probabilities[(r * classes.Length) + k]);
            }
        }
    }

    private static Dictionary<string, JsonNode> Outputs(JsonNode infer) =>
        infer["outputs"]!.AsArray().ToDictionary(o => o!["name"]!.GetValue<string>(), o => o!);

    private static List<JsonNode> Columns(List<JsonObject> rows) =>
        [.. rows[0].Select(cell => (JsonNode)Tensor(cell.Key, "FP32", [.. rows.Select(r => (object?)r[cell.Key]!.GetValue<double>())]))];

    private static JsonObject Tensor(string name, string datatype, params object?[] values) => new()
    {
        ["name"] = name,
        ["shape"] = new JsonArray(values.Length),
        ["datatype"] = datatype,
        ["data"] = new JsonArray([.. values.Select(v => JsonValue.Create(v))]),
    };

    private static string Body(List<JsonNode> inputs, string? id = null, string[]? outputs = null)
    {
        var body = new JsonObject { ["inputs"] = new JsonArray([.. inputs.Select(i => i.DeepClone())]) };
        if (id is not null)
        {
            body["id"] = id;
        }

        if (outputs is not null)
        {
            body["outputs"] = new JsonArray([.. outputs.Select(o => (JsonNode)new JsonObject { ["name"] = o })]);
        }

        return body.ToJsonString();
    }

    private static StringContent Content(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
