using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests;

/// <summary>The gateway with small limits, so that each limit of a request can be reached at, and just past, its bound.</summary>
public sealed class LimitsGatewayFactory : GatewayFactory
{
    public const int JsonKilobytes = 8;
    public const int PredictionRows = 5;
    public const int QueuedPerModel = 1;

    /// <summary>Free disk the silo keeps (MB): the default of 0 accepts anything.</summary>
    public long MinFreeDiskMegabytes { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        base.ConfigureWebHost(builder);
        builder.UseSetting("OrleansMl:MaxJsonBodyKilobytes", JsonKilobytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("OrleansMl:MaxPredictionRows", PredictionRows.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("OrleansMl:MaxQueuedTrainingsPerModel", QueuedPerModel.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("OrleansMl:MinFreeDiskMegabytes", MinFreeDiskMegabytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

[CollectionDefinition(Name)]
public sealed class LimitsGatewayCollection : ICollectionFixture<LimitsGatewayFactory>
{
    public const string Name = "gateway with small limits";
}

[Collection(LimitsGatewayCollection.Name)]
public sealed class LimitsApiTests(LimitsGatewayFactory factory)
{
    private const int JsonLimit = LimitsGatewayFactory.JsonKilobytes << 10;

    private readonly HttpClient _http = factory.CreateClient();

    [Fact]
    public async Task AJsonBody_AtTheRouteLimit_IsRead_AndOneByteLonger_Is413BeforeAnythingIsDone()
    {
        var model = McpTestClient.Unique("body");

        var atLimit = await _http.PutAsync($"/api/models/{model}/aliases/production", Json(JsonLimit));
        var past = await _http.PutAsync($"/api/models/{model}/aliases/production", Json(JsonLimit + 1));
        var chunked = await _http.PutAsync($"/api/models/{model}/aliases/production", new ChunkedContent(Json(JsonLimit + 1)));

        await AssertProblemAsync(atLimit, HttpStatusCode.BadRequest, "OrleansMl__MaxAliasReasonLength");
        await AssertProblemAsync(past, HttpStatusCode.RequestEntityTooLarge, $"at most {LimitsGatewayFactory.JsonKilobytes} KB (OrleansMl__MaxJsonBodyKilobytes)");
        await AssertProblemAsync(chunked, HttpStatusCode.RequestEntityTooLarge, "OrleansMl__MaxJsonBodyKilobytes");
    }

    [Fact]
    public async Task AnInferBody_PastTheLimit_Is413_InTheProtocolsErrorShape()
    {
        var url = $"/v2/models/{McpTestClient.Unique("oip")}/infer";

        var declared = await _http.PostAsync(url, Json(JsonLimit + 1));
        var chunked = await _http.PostAsync(url, new ChunkedContent(Json(JsonLimit + 1)));

        foreach (var response in new[] { declared, chunked })
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"expected 413, got {response.StatusCode}: {body}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var error = JsonNode.Parse(body)!.AsObject();
            Assert.Equal(["error"], error.Select(p => p.Key));
            Assert.Contains($"at most {LimitsGatewayFactory.JsonKilobytes} KB (OrleansMl__MaxJsonBodyKilobytes)", error["error"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnUpload_HasTheUploadLimit_NotTheJsonOne()
    {
        var csv = new StringBuilder("a,b\n");
        while (csv.Length < 4 * JsonLimit)
        {
            csv.Append(CultureInfo(csv.Length)).Append(',').Append(csv.Length % 7).Append('\n');
        }

        var response = await _http.PostCsvAsync($"/api/datasets/{McpTestClient.Unique("upload")}", csv.ToString());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task PredictionRows_AtTheLimit_AreScored_AndOneMore_Is413_OnBothRoutes()
    {
        var model = await TrainedModelAsync();
        var row = new Dictionary<string, object> { ["x1"] = 0.5, ["x2"] = -0.2, ["color"] = "red" };

        var atLimit = await _http.PostJsonAsync($"/api/models/{model}/predict", new { rows = Enumerable.Repeat(row, LimitsGatewayFactory.PredictionRows) });
        var past = await _http.PostJsonAsync($"/api/models/{model}/predict", new { rows = Enumerable.Repeat(row, LimitsGatewayFactory.PredictionRows + 1) });
        var infer = await PostRawAsync($"/v2/models/{model}/infer", """
            {"inputs":[{"name":"x1","shape":[6],"datatype":"FP32","data":[1,2,3,4,5,6]},{"name":"x2","shape":[6],"datatype":"FP32","data":[1,2,3,4,5,6]},
            {"name":"color","shape":[6],"datatype":"BYTES","data":["red","red","red","red","red","red"]}]}
            """);

        Assert.Equal(HttpStatusCode.OK, atLimit.StatusCode);
        Assert.Equal(LimitsGatewayFactory.PredictionRows, (await atLimit.ReadJsonAsync())["predictions"]!.AsArray().Count);
        await AssertProblemAsync(past, HttpStatusCode.RequestEntityTooLarge, $"at most {LimitsGatewayFactory.PredictionRows} rows (got 6)");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, infer.StatusCode);
        Assert.Contains("OrleansMl__MaxPredictionRows", await infer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANumberBeyondFloatRange_Is400NamingTheColumn_AndOneAtTheEdgeReachesTheModel_WhichExplainsItsInfiniteScore()
    {
        var model = await TrainedModelAsync();
        var large = await PostRawAsync($"/api/models/{model}/predict", """{"rows":[{"x1":1e6,"x2":-1e6,"color":"red"}]}""");

        var edge = await PostRawAsync($"/api/models/{model}/predict", """{"rows":[{"x1":3.4e38,"x2":-3.4e38,"color":"red"}]}""");
        var beyond = await PostRawAsync($"/api/models/{model}/predict", """{"rows":[{"x1":0.5,"x2":3.5e38,"color":"red"}]}""");
        var infinite = await PostRawAsync($"/api/models/{model}/predict", """{"rows":[{"x1":1e400,"x2":0,"color":"red"}]}""");
        var v2 = await PostRawAsync($"/v2/models/{model}/infer", """{"inputs":[{"name":"x1","shape":[1],"datatype":"FP64","data":[1e39]},{"name":"x2","shape":[1],"datatype":"FP64","data":[0]},{"name":"color","shape":[1],"datatype":"BYTES","data":["red"]}]}""");

        Assert.Equal(HttpStatusCode.OK, large.StatusCode);
        await AssertProblemAsync(edge, HttpStatusCode.BadRequest, "its score is not a finite number");
        await AssertProblemAsync(beyond, HttpStatusCode.BadRequest, "rows[0]: column 'x2' holds 3.5E+38, outside the range of the 32-bit floats");
        Assert.Equal(HttpStatusCode.BadRequest, infinite.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, v2.StatusCode);
        Assert.Contains("'x1'", await v2.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenConcurrentTrainRequests_WithOneIdempotencyKey_CreateOneVersion_AndAnotherBodyIs409()
    {
        var dataset = await DatasetAsync();
        var model = McpTestClient.Unique("idem");
        var body = new { dataset, label = "label", algorithm = "linear" };

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => TrainAsync(model, body, "same-key")));
        var other = await TrainAsync(model, new { dataset, label = "label", algorithm = "linear", seed = 7 }, "same-key");

        foreach (var answer in answers)
        {
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
            Assert.Equal(1, (await answer.ReadJsonAsync())["version"]!.GetValue<int>());
        }

        await AssertProblemAsync(other, HttpStatusCode.Conflict, "Idempotency key 'same-key' was used");
        await _http.WaitForVersionAsync(model, 1);
        Assert.Single((await (await _http.GetAsync($"/api/models/{model}")).ReadJsonAsync())["versions"]!.AsArray());
    }

    [Fact]
    public async Task ARetryWithOneIdempotencyKey_SpellingTheSameRequestOtherwise_GetsTheVersionTheFirstMade()
    {
        var dataset = await DatasetAsync();
        var model = McpTestClient.Unique("idem-spelled");

        var first = await TrainJsonAsync(model, $$"""{"dataset":"{{dataset}}","label":"label","algorithm":"linear"}""", "spelled");
        var respelled = await TrainJsonAsync(model, $$"""
            {
              "seed" : 42,
              "testFraction" : 0.20,
              "parameters" : { },
              "features" : [ ],
              "task" : "auto",
              "algorithm" : "linear",
              "label" : "label",
              "dataset" : "{{dataset}}"
            }
            """, "spelled");
        var other = await TrainJsonAsync(model, $$"""{"dataset":"{{dataset}}","label":"label","algorithm":"linear","testFraction":0.3}""", "spelled");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(1, (await first.ReadJsonAsync())["version"]!.GetValue<int>());
        Assert.True(respelled.StatusCode == HttpStatusCode.Accepted, await respelled.Content.ReadAsStringAsync());
        Assert.Equal(1, (await respelled.ReadJsonAsync())["version"]!.GetValue<int>());
        await AssertProblemAsync(other, HttpStatusCode.Conflict, "Idempotency key 'spelled' was used");
        await _http.WaitForVersionAsync(model, 1);
        Assert.Single((await (await _http.GetAsync($"/api/models/{model}")).ReadJsonAsync())["versions"]!.AsArray());
    }

    [Fact]
    public async Task AnIdempotencyKeyGivenTwice_OrNotAKey_Is400_AndNothingIsCreated()
    {
        var dataset = await DatasetAsync();
        var model = McpTestClient.Unique("idem-bad");
        var body = new { dataset, label = "label", algorithm = "linear" };
        HttpRequestMessage Twice(string url, HttpContent content)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
            request.Headers.Add("Idempotency-Key", ["first", "second"]);
            return request;
        }

        var trainTwice = await _http.SendAsync(Twice($"/api/models/{model}/train", JsonContent.Create(body)));
        var appendTwice = await _http.SendAsync(Twice($"/api/datasets/{dataset}/rows", new StringContent("""{"rows":[{"x1":1,"x2":2,"color":"red","label":"yes"}]}""", Encoding.UTF8, "application/json")));
        var tooLong = await TrainAsync(model, body, new string('k', 201));

        await AssertProblemAsync(trainTwice, HttpStatusCode.BadRequest, "The Idempotency-Key header is given 2 times; send one key.");
        await AssertProblemAsync(appendTwice, HttpStatusCode.BadRequest, "The Idempotency-Key header is given 2 times; send one key.");
        await AssertProblemAsync(tooLong, HttpStatusCode.BadRequest, "The idempotency key must be 1-200 printable ASCII characters without spaces (got 201 characters).");
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/models/{model}")).StatusCode);
        Assert.Single((await (await _http.GetAsync($"/api/datasets/{dataset}")).ReadJsonAsync())["versions"]!.AsArray());
    }

    [Fact]
    public async Task TrainingsQueuedForAModel_PastTheLimit_Are429WithRetryAfter()
    {
        var dataset = await DatasetAsync(3000);
        var model = McpTestClient.Unique("queue");
        var longFit = new { dataset, label = "label", algorithm = "fasttree", parameters = new Dictionary<string, double> { ["trees"] = 10_000, ["leaves"] = 16 } };

        var first = await TrainAsync(model, longFit);
        var refused = await TrainAsync(model, longFit);
        await _http.PostAsync($"/api/models/{model}/versions/1/cancel", null);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await AssertProblemAsync(refused, HttpStatusCode.TooManyRequests, "OrleansMl__MaxQueuedTrainingsPerModel");
        Assert.Equal("30", refused.Headers.RetryAfter?.ToString());
    }

    [Fact]
    public async Task Listings_ArePaged_WithAnOpaqueCursor_AndABadLimitOrCursorIs400()
    {
        var prefix = McpTestClient.Unique("page");
        var names = Enumerable.Range(0, 12).Select(i => $"{prefix}-{i:D2}").ToList();
        foreach (var name in names)
        {
            Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{name}", $"a,b\n1,{name}\n2,x\n")).StatusCode);
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await _http.GetAsync($"/api/datasets?limit=5{(cursor is null ? string.Empty : $"&cursor={cursor}")}")).ReadJsonAsync();
            var items = page["datasets"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()).ToList();
            Assert.InRange(items.Count, 0, 5);
            Assert.All(page["datasets"]!.AsArray(), d => Assert.All(d!["latest"]!["columns"]!.AsArray(), c =>
            {
                Assert.Empty(c!["topValues"]!.AsArray());
                Assert.Null(c["histogram"]);
            }));
            seen.AddRange(items);
            cursor = page["nextCursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null && pages < 1000);

        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Equal(names, seen.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)));

        // The version itself carries what the listing leaves out.
        var version = await (await _http.GetAsync($"/api/datasets/{names[0]}/versions/1")).ReadJsonAsync();
        Assert.NotNull(version["columns"]![0]!["histogram"]);
        Assert.NotEmpty(version["columns"]![1]!["topValues"]!.AsArray());
        await AssertProblemAsync(await _http.GetAsync("/api/datasets?limit=0"), HttpStatusCode.BadRequest, "limit must be between 1 and 1000");
        await AssertProblemAsync(await _http.GetAsync("/api/models?limit=1001"), HttpStatusCode.BadRequest, "limit must be between 1 and 1000");
        await AssertProblemAsync(await _http.GetAsync("/api/datasets?cursor=bm90LWEtY3Vyc29y"), HttpStatusCode.BadRequest, "is not a cursor of this listing");
    }

    [Fact]
    public async Task DeleteRoutes_RemoveAModelVersion_AndThenTheDatasetVersionItWasTrainedOn()
    {
        var model = await TrainedModelAsync();
        var dataset = (await (await _http.GetAsync($"/api/models/{model}/versions/1")).ReadJsonAsync())["spec"]!["dataset"]!.GetValue<string>();
        await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 });

        var inUse = await _http.DeleteAsync($"/api/models/{model}/versions/1");
        var datasetInUse = await _http.DeleteAsync($"/api/datasets/{dataset}/versions/1");
        await AssertProblemAsync(inUse, HttpStatusCode.Conflict, "alias 'production' points at it");
        await AssertProblemAsync(datasetInUse, HttpStatusCode.Conflict, "was trained on it");

        var deletable = await TrainAsync(model, new { dataset, label = "label", algorithm = "linear", seed = 9 });
        var version = (await deletable.ReadJsonAsync())["version"]!.GetValue<int>();
        await _http.WaitForVersionAsync(model, version);
        var deleted = await _http.DeleteAsync($"/api/models/{model}/versions/{version}");
        var again = await _http.DeleteAsync($"/api/models/{model}/versions/{version}");
        var read = await _http.GetAsync($"/api/models/{model}/versions/{version}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        await AssertProblemAsync(read, HttpStatusCode.NotFound, "it was deleted");
    }

    [Fact]
    public async Task DeletingADatasetVersion_KeepsItsLineage()
    {
        var dataset = await DatasetAsync();

        var deleted = await _http.DeleteAsync($"/api/datasets/{dataset}/versions/1");
        var details = await (await _http.GetAsync($"/api/datasets/{dataset}/versions/1")).ReadJsonAsync();
        var train = await TrainAsync(McpTestClient.Unique("on-deleted"), new { dataset, datasetVersion = 1, label = "label" });

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.NotNull(details["deletedAt"]);
        Assert.Equal(64, details["contentHash"]!.GetValue<string>().Length);
        Assert.Empty(details["sampleRows"]!.AsArray());
        await AssertProblemAsync(train, HttpStatusCode.NotFound, "was deleted");
    }

    [Fact]
    public async Task AnUpload_IsRefusedWith507_WhileTheDiskHasLessFreeSpaceThanTheMinimum_AndNothingIsLeft()
    {
        await using var full = new LimitsGatewayFactory { MinFreeDiskMegabytes = int.MaxValue };
        using var http = full.CreateClient();

        var refused = await http.PostCsvAsync($"/api/datasets/{McpTestClient.Unique("full")}", "a,b\n1,2\n3,4\n");

        await AssertProblemAsync(refused, HttpStatusCode.InsufficientStorage, "OrleansMl__MinFreeDiskMegabytes");
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(full.DataDirectory, "artifacts"), "*", SearchOption.AllDirectories));
    }

    private static string CultureInfo(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An alias change whose JSON body is exactly <paramref name="bytes"/> long.</summary>
    private static StringContent Json(int bytes)
    {
        const string head = """{"version":1,"reason":""";
        const string tail = "\"}";
        var reason = new string('r', bytes - head.Length - 1 - tail.Length);
        var content = new StringContent(head + "\"" + reason + tail, Encoding.UTF8, "application/json");
        Assert.Equal(bytes, Encoding.UTF8.GetByteCount(head + "\"" + reason + tail));
        return content;
    }

    private Task<HttpResponseMessage> PostRawAsync(string url, string json) =>
        _http.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));

    private Task<HttpResponseMessage> TrainJsonAsync(string model, string json, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/models/{model}/train") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return _http.SendAsync(request);
    }

    private Task<HttpResponseMessage> TrainAsync(string model, object body, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/models/{model}/train") { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return _http.SendAsync(request);
    }

    private async Task<string> DatasetAsync(int rows = 200)
    {
        var dataset = McpTestClient.Unique("lim-data");
        var csv = new StringBuilder("x1,x2,color,label\n");
        var random = new Random(rows);
        for (var i = 0; i < rows; i++)
        {
            var (a, b) = ((random.NextDouble() * 4) - 2, (random.NextDouble() * 4) - 2);
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{a:F3},{b:F3},{(i % 2 == 0 ? "red" : "blue")},{(a + b > 0 ? "yes" : "no")}\n");
        }

        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{dataset}", csv.ToString())).StatusCode);
        return dataset;
    }

    private async Task<string> TrainedModelAsync()
    {
        var dataset = await DatasetAsync();
        var model = McpTestClient.Unique("lim-model");
        var train = await TrainAsync(model, new { dataset, label = "label", algorithm = "linear" });
        Assert.Equal(HttpStatusCode.Accepted, train.StatusCode);
        Assert.Equal("succeeded", (await _http.WaitForVersionAsync(model, 1))["status"]!.GetValue<string>());
        return model;
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, JsonNode.Parse(body)!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>Content sent without a Content-Length (chunked), so the server can only cut it off while reading.</summary>
    private sealed class ChunkedContent(HttpContent inner) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) => await inner.CopyToAsync(stream);

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
