using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;

namespace OrleansMl.Gateway.Tests;

/// <summary>
/// Bodies, query values and route values the routes cannot bind, against a gateway in the Production environment (the
/// framework binds the same way in Development but reports failures differently there): each is a 400 ProblemDetails
/// whose detail names the field or parameter and what it must be, in JSON's words rather than .NET's, and changes nothing.
/// </summary>
public sealed partial class RequestBindingTests(RequestBindingTests.Gateway gateway) : IClassFixture<RequestBindingTests.Gateway>
{
    private readonly HttpClient _http = gateway.CreateClient();

    [Theory]
    [InlineData("""{"dataset":"churn","label":5}""", "The JSON value at $.label could not be read as a string")]
    [InlineData("""{"dataset":"churn","label":"churned","seed":1.5}""", "$.seed could not be read as a whole number from -2147483648 to 2147483647")]
    [InlineData("""{"dataset":"churn","label":"churned","seed":99999999999}""", "$.seed could not be read as a whole number")]
    [InlineData("""{"dataset":"churn","label":"churned","testFraction":"abc"}""", "$.testFraction could not be read as a number")]
    [InlineData("""{"dataset":"churn","label":"churned","features":"x"}""", "$.features could not be read as an array of strings")]
    [InlineData("""{"dataset":"churn","label":"churned","features":[1]}""", "$.features[0] could not be read as a string")]
    [InlineData("""{"dataset":"churn","label":"churned","parameters":[1]}""", "$.parameters could not be read as an object of names to numbers")]
    [InlineData("""{"dataset":"churn","label":"churned","parameters":{"trees":"many"}}""", "$.parameters.trees could not be read as a number")]
    [InlineData("""{"dataset":"churn","label":"churned","datasetVersion":1.5}""", "$.datasetVersion could not be read as a whole number")]
    [InlineData("""{"dataset":"churn","label":"churned","seed":"42"}""", "$.seed could not be read as a whole number")]
    [InlineData("""{"dataset":"churn","label":"churned","testFraction":"0.3"}""", "$.testFraction could not be read as a number")]
    [InlineData("""{"dataset":"churn","label":"churned","parameters":{"trees":"5"}}""", "$.parameters.trees could not be read as a number")]
    [InlineData("""{"dataset":"churn","label":"churned","testFraction":"NaN"}""", "testFraction must be between 0 and 0.9 (0 trains on every labelled row and leaves the version without held-out metrics; got NaN)")]
    [InlineData("""{"dataset":"churn","label":"churned","parameters":{"trees":5,"iterations":6}}""",
        "Parameters 'iterations' and 'trees' are both given, and they name one setting (iterations is another name for trees); send one of them.")]
    [InlineData("""{"dataset":"churn","label":"churned""", "Malformed JSON body")]
    [InlineData("""{dataset:"churn"}""", "Malformed JSON body")]
    [InlineData("[]", "The request body must be a JSON object, e.g. {\"dataset\":\"churn\"")]
    [InlineData("null", "The request body is required: send a JSON object, e.g. {\"dataset\":\"churn\"")]
    [InlineData("", "The request body is required")]
    [InlineData("""{"dataset":"churn","label":"churned","testFracton":0.5}""",
        "Unknown field 'testFracton' in the request body; its fields are: dataset, label, datasetVersion, task, algorithm, features, parameters, testFraction, seed.")]
    [InlineData("""{"dataset":"churn","label":"churned","label":"nope"}""", "'label' appears twice in the request body")]
    [InlineData("""{"dataset":"churn","Label":"churned","label":"nope"}""", "appears twice in the request body")]
    [InlineData("""{"dataset":"churn","label":"churned","parameters":{"trees":5,"trees":500}}""", "'trees' appears twice in $.parameters")]
    public async Task Train_WithABodyThatDoesNotFit_IsAProblemNamingTheField_AndTrainsNothing(string body, string expected)
    {
        await gateway.ModelAsync();
        var model = Unique("m");

        var response = await _http.PostAsync($"/api/models/{model}/train", Json(body));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, expected);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/models/{model}")).StatusCode);
    }

    [Theory]
    [InlineData("PUT", "aliases/production", """{"version":"x"}""", "$.version could not be read as a whole number")]
    [InlineData("PUT", "aliases/production", """{"version":"2"}""", "$.version could not be read as a whole number")]
    [InlineData("PUT", "aliases/production", """{"version":2,"reason":""", "Malformed JSON body")]
    [InlineData("POST", "aliases/production/rollback", """{"reason":5}""", "$.reason could not be read as a string")]
    [InlineData("PUT", "aliases/production", """{"version":1,"reasn":"typo"}""", "Unknown field 'reasn' in the request body; its fields are: version, reason.")]
    [InlineData("PUT", "aliases/production", """{"version":1,"version":2}""", "'version' appears twice in the request body")]
    [InlineData("POST", "aliases/production/rollback", """{"reason":"drift","why":"drift"}""", "Unknown field 'why' in the request body")]
    [InlineData("PUT", "rollout", """{"candidate":1,"guard":{"metric":"accuracy","maxDrop":0.02,"minSampels":10}}""",
        "Unknown field 'minSampels' in $.guard; its fields are: metric, maxDrop, max, minSamples.")]
    [InlineData("POST", "feedback", """{"items":[{"predictionId":"AQIAAAB","actual":"yes","weight":2}]}""", "Unknown field 'weight' in $.items[0]; its fields are: predictionId, actual.")]
    public async Task ModelChanges_WithABodyThatDoesNotFit_AreProblemsNamingTheField_AndChangeNothing(string method, string route, string body, string expected)
    {
        var model = await gateway.ModelAsync();

        var response = await _http.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"/api/models/{model}/{route}") { Content = Json(body) });

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, expected);
        var described = await (await _http.GetAsync($"/api/models/{model}")).ReadJsonAsync();
        Assert.Equal(1, described["aliases"]!["production"]!.GetValue<int>());
        Assert.Single(described["aliasHistory"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/models/{model}/rollout")).StatusCode);
    }

    [Theory]
    [InlineData("POST", "/api/models/{model}/predict", """{"rows":[{"tenure_months":2,"contract":"\udcff"}]}""", "The string at $.rows[0].contract is not valid Unicode text")]
    [InlineData("POST", "/api/models/{model}/predict", """{"rows":[{"\ud800":1}]}""", "The name of a member of $.rows[0] is not valid Unicode text")]
    [InlineData("POST", "/api/models/{model}/predict", """{"rows":[{"tenure_months":2}],"alias":"\udfff"}""", "The string at $.alias is not valid Unicode text")]
    [InlineData("POST", "/v2/models/{model}/infer", """{"inputs":[{"name":"contract","shape":[1],"datatype":"BYTES","data":["\udcff"]}]}""", "The string at $.inputs[0].data[0] is not valid Unicode text")]
    [InlineData("POST", "/api/models/{model}/feedback", """{"items":[{"predictionId":"AQIAAAB","actual":"\udcff"}]}""", "The string at items[0].actual is not valid Unicode text")]
    [InlineData("POST", "/api/models/{model}/train", """{"dataset":"\udcff","label":"churned"}""", "The JSON value at $.dataset is not valid Unicode text")]
    [InlineData("POST", "/api/datasets/churn/rows", """{"rows":[{"contract":"\udcff"}]}""", "The string at $.rows[0].contract is not valid Unicode text")]
    public async Task StringsThatAreNotText_AreProblemsNamingWhereTheyAre_AndChangeNothing(string method, string route, string body, string expected)
    {
        var model = await gateway.ModelAsync();
        var versions = (await (await _http.GetAsync("/api/datasets/churn")).ReadJsonAsync())["versions"]!.AsArray().Count;

        var response = await _http.SendAsync(new HttpRequestMessage(new HttpMethod(method), route.Replace("{model}", model, StringComparison.Ordinal)) { Content = Json(body) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.Contains("is not valid Unicode text: it holds bytes that are not UTF-8, or a ", text, StringComparison.Ordinal);
        Assert.Equal(versions, (await (await _http.GetAsync("/api/datasets/churn")).ReadJsonAsync())["versions"]!.AsArray().Count);
        Assert.Single((await (await _http.GetAsync($"/api/models/{model}")).ReadJsonAsync())["versions"]!.AsArray());
    }

    [Fact]
    public async Task BytesThatAreNotUtf8_InAPredictOrInferenceBody_AreProblemsNamingTheString()
    {
        var model = await gateway.ModelAsync();
        byte[] predict = [.. "{\"rows\":[{\"tenure_months\":2,\"contract\":\""u8, 0xFF, .. "\"}]}"u8];
        byte[] infer = [.. "{\"id\":\""u8, 0xC3, .. "\",\"inputs\":[]}"u8];

        var rest = await _http.PostAsync($"/api/models/{model}/predict", new ByteArrayContent(predict) { Headers = { ContentType = new("application/json") } });
        var v2 = await _http.PostAsync($"/v2/models/{model}/infer", new ByteArrayContent(infer) { Headers = { ContentType = new("application/json") } });

        await AssertProblemAsync(rest, HttpStatusCode.BadRequest, "The string at $.rows[0].contract is not valid Unicode text");
        Assert.Equal(HttpStatusCode.BadRequest, v2.StatusCode);
        Assert.StartsWith("{\"error\":\"The string at $.id is not valid Unicode text", await v2.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/models?limit=abc", "Query parameter 'limit' must be a whole number from -2147483648 to 2147483647; got 'abc'")]
    [InlineData("/api/models?limit=99999999999", "Query parameter 'limit' must be a whole number from -2147483648 to 2147483647; got '99999999999'")]
    [InlineData("/api/datasets/churn/versions/1?rows=abc", "Query parameter 'rows' must be a whole number")]
    [InlineData("/api/datasets/churn/versions/1?rows=11", "The number of sample rows must be between 0 and 10 (got 11)")]
    [InlineData("/api/datasets/churn/versions/1?rows=-1", "The number of sample rows must be between 0 and 10 (got -1)")]
    [InlineData("/api/datasets/churn/versions/1/drift?against=abc", "Query parameter 'against' must be a whole number")]
    [InlineData("/api/jobs?recent=abc", "Query parameter 'recent' must be a whole number")]
    [InlineData("/api/audit?since=garbage", "Query parameter 'since' must be a date and time such as \"2026-01-01T00:00:00Z\"; got 'garbage'")]
    [InlineData("/api/datasets/churn/versions/abc", "Route value 'version' must be a whole number from -2147483648 to 2147483647; got 'abc'")]
    [InlineData("/api/datasets/churn/versions/99999999999/models", "Route value 'version' must be a whole number from -2147483648 to 2147483647; got '99999999999'")]
    [InlineData("/api/models/m/versions/two", "Route value 'version' must be a whole number")]
    [InlineData("/api/models/m/compare/1/latest", "Route value 'candidate' must be a whole number")]
    public async Task QueryValues_ThatDoNotParse_AreProblemsNamingTheParameter(string url, string expected)
    {
        await gateway.ModelAsync();

        await AssertProblemAsync(await _http.GetAsync(url), HttpStatusCode.BadRequest, expected);
    }

    [Theory]
    [InlineData("/api/models?limit=2&limit=5", "Query parameter 'limit' is given 2 times; give it once.")]
    [InlineData("/api/datasets?cursor=a&cursor=b&cursor=c", "Query parameter 'cursor' is given 3 times; give it once.")]
    [InlineData("/api/jobs?recent=1&recent=1", "Query parameter 'recent' is given 2 times; give it once.")]
    public async Task QueryParameters_GivenMoreThanOnce_AreProblemsSayingToGiveThemOnce(string url, string expected)
    {
        var response = await _http.GetAsync(url);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, expected);
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.5.1", problem["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(problem["traceId"]?.GetValue<string>()));
    }

    [Fact]
    public async Task AQueryParameterTheRouteDoesNotTake_IsIgnored_EvenWhenRepeated()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/api/models?utm=a&utm=b")).StatusCode);
    }

    [Fact]
    public async Task AnswersTheFrameworkGivesByItself_NameTheProblemToo()
    {
        var model = await gateway.ModelAsync();
        var compressed = Json("""{"rows":[{"x1":1}]}""");
        compressed.Headers.ContentEncoding.Add("gzip");

        await AssertProblemAsync(await _http.GetAsync("/api/no-such-route"), HttpStatusCode.NotFound,
            "Nothing is served at GET /api/no-such-route; /openapi/v1.json lists the routes");
        await AssertProblemAsync(await _http.PatchAsync("/api/models", Json("{}")), HttpStatusCode.MethodNotAllowed,
            "/api/models does not take PATCH; it takes GET.");
        await AssertProblemAsync(await _http.PostAsync($"/api/models/{model}/predict", compressed), HttpStatusCode.UnsupportedMediaType,
            "Content-Encoding 'gzip' is not taken: send the body uncompressed.");
    }

    [Fact]
    public async Task AMethodARouteDoesNotTake_Is405_AllowingOnlyTheMethodsServedThere_AndAPathNoRouteServesIs404()
    {
        var model = await gateway.ModelAsync();

        var delete = await _http.DeleteAsync($"/api/models/{model}/aliases/staging/rollback");
        var post = await _http.PostAsync("/api/no-such-route", Json("{}"));

        await AssertProblemAsync(delete, HttpStatusCode.MethodNotAllowed, $"/api/models/{model}/aliases/staging/rollback does not take DELETE; it takes POST.");
        Assert.Equal(["POST"], delete.Content.Headers.Allow);
        await AssertProblemAsync(post, HttpStatusCode.NotFound, "Nothing is served at POST /api/no-such-route");
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = JsonNode.Parse(body)!["detail"]?.GetValue<string>();
        Assert.True(detail is not null, $"no detail: {body}");
        Assert.True(detail.Contains(expected, StringComparison.Ordinal), $"expected '{expected}' in: {detail}");
        Assert.False(DotNetTypeName().IsMatch(detail), $"a .NET type name in: {detail}");
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    // What the framework's messages say instead: System.String[], Nullable<int>, Int32, the body record's class name.
    [GeneratedRegex(@"System\.|Nullable|Int32|Int64|Double|[A-Z][a-z]+Body\b")]
    private static partial Regex DotNetTypeName();

    /// <summary>A gateway in the Production environment with the churn sample uploaded, and a model on it trained once.</summary>
    public sealed class Gateway : GatewayFactory
    {
        private readonly Lazy<Task<string>> _model;

        public Gateway()
        {
            EnvironmentName = Environments.Production;
            _model = new(TrainAsync);
        }

        /// <summary>A model trained on the churn sample (linear), with production pointing at version 1.</summary>
        public Task<string> ModelAsync() => _model.Value;

        private async Task<string> TrainAsync()
        {
            var http = CreateClient();
            var csv = await File.ReadAllTextAsync(Path.Combine(RestApiTests.RepositoryRoot(), "samples", "churn.csv"));
            Assert.Equal(HttpStatusCode.Created, (await http.PostCsvAsync("/api/datasets/churn", csv)).StatusCode);
            var model = Unique("churn");
            var queued = await (await http.PostJsonAsync($"/api/models/{model}/train", new { dataset = "churn", label = "churned", algorithm = "linear" })).ReadJsonAsync();
            Assert.Equal("succeeded", (await http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>()))["status"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 })).StatusCode);
            return model;
        }
    }
}
