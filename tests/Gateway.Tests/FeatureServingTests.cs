using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrleansMl.Features;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests;

/// <summary>
/// Features serving predictions on the real gateway: enriched predictions over REST and MCP (compared with the plain
/// prediction of the same row with the feature values written in), the listing of feature sets and its MCP tools, and
/// a large event batch over many keys compared with a brute-force recount. The feature clock is faked so TTLs and
/// windows are crossed exactly; the model is a real LightGBM model trained on the churn sample.
/// </summary>
public sealed class FeatureServingTests : IAsyncLifetime, IDisposable
{
    private static readonly string ChurnCsv = File.ReadAllText(Path.Combine(RestApiTests.RepositoryRoot(), "samples", "churn.csv"));

    private static readonly string[] BadName = ["bad name"];
    private static readonly string[] NeverDefined = ["fs-never-defined"];

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly GatewayFactory _factory;
    private HttpClient _http = null!;
    private string _model = null!;

    public FeatureServingTests() => _factory = new GatewayFactory
    {
        TestServices = services => services.AddKeyedSingleton<TimeProvider>(FeatureClock.ServiceKey, _time),
    };

    public async Task InitializeAsync()
    {
        _http = _factory.CreateClient();
        _model = McpTestClient.Unique("churn");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{_model}", ChurnCsv)).StatusCode);
        var queued = await (await _http.PostJsonAsync($"/api/models/{_model}/train", new { dataset = _model, label = "churned", algorithm = "lightgbm" })).ReadJsonAsync();
        Assert.Equal("succeeded", (await _http.WaitForVersionAsync(_model, queued["version"]!.GetValue<int>()))["status"]!.GetValue<string>());
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
    }

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Enriched_EqualsThePlainPrediction_WithTheFeatureValuesWrittenIntoTheRow()
    {
        var set = await DefineAsync("fs-join");
        await PutValuesAsync(set, "C00001", new { monthly_charges = 99.17, contract = "two-year", paperless = "no" });
        await PutValuesAsync(set, "C00002", new { monthly_charges = 20.5, contract = "month-to-month", paperless = "yes" });
        await PostEventsAsync(set, Enumerable.Range(0, 5).Select(i => ("C00002", _time.GetUtcNow().AddMinutes(-i))));

        var enriched = await PredictAsync(new
        {
            rows = new object[]
            {
                new { customer_id = "C00001", tenure_months = 42, internet = "fiber" },
                new { customer_id = "C00002", tenure_months = 3, internet = "dsl" },
                new { customer_id = "C00001", tenure_months = 10, internet = "dsl" },
            },
            features = new[] { set },
        });
        var plain = await PredictAsync(new
        {
            rows = new object[]
            {
                new { tenure_months = 42, internet = "fiber", monthly_charges = 99.17, contract = "two-year", paperless = "no", support_calls = 0 },
                new { tenure_months = 3, internet = "dsl", monthly_charges = 20.5, contract = "month-to-month", paperless = "yes", support_calls = 5 },
                new { tenure_months = 10, internet = "dsl", monthly_charges = 99.17, contract = "two-year", paperless = "no", support_calls = 0 },
            },
        });
        Assert.Equal(Without(plain, "predictionId"), Without(enriched, "predictionId"));

        // The same through MCP.
        await using var mcp = await _factory.ConnectMcpAsync();
        var tool = await mcp.CallOkAsync("predict", new
        {
            model = _model,
            rows = new object[] { new { customer_id = "C00002", tenure_months = 3, internet = "dsl" } },
            features = new[] { set },
        });
        var single = await PredictAsync(new
        {
            rows = new object[] { new { tenure_months = 3, internet = "dsl", monthly_charges = 20.5, contract = "month-to-month", paperless = "yes", support_calls = 5 } },
        });
        Assert.Equal(Scores(single), Scores(tool));
    }

    [Fact]
    public async Task RequestValues_WinOverFeatureValues()
    {
        var set = await DefineAsync("fs-wins");
        await PutValuesAsync(set, "C00001", new { monthly_charges = 99.17, contract = "two-year", paperless = "no" });

        var enriched = await PredictAsync(new
        {
            rows = new object[] { new { customer_id = "C00001", tenure_months = 2, internet = "fiber", contract = "month-to-month", support_calls = 7 } },
            features = new[] { set },
        });
        var plain = await PredictAsync(new
        {
            rows = new object[] { new { tenure_months = 2, internet = "fiber", contract = "month-to-month", support_calls = 7, monthly_charges = 99.17, paperless = "no" } },
        });
        Assert.Equal(Scores(plain), Scores(enriched));

        // A column matches the model's input in any case, so the row's value wins however it spells the name.
        var spelled = await PredictAsync(new
        {
            rows = new object[]
            {
                new Dictionary<string, object> { ["customer_id"] = "C00001", ["tenure_months"] = 2, ["internet"] = "fiber", ["Contract"] = "month-to-month", ["support_calls"] = 7 },
            },
            features = new[] { set },
        });
        Assert.Equal(Scores(plain), Scores(spelled));
    }

    [Fact]
    public async Task Defaults_StandInForMissingAndExpiredValues_AndOtherwiseTheRequestIsA400NamingTheFeatureAndKey()
    {
        var set = await DefineAsync("fs-ttl");
        await PutValuesAsync(set, "C00001", new { monthly_charges = 55.0, contract = "one-year" });

        // paperless was never written: its default ("yes") joins.
        var row = new { customer_id = "C00001", tenure_months = 12, internet = "dsl" };
        var withDefault = await PredictAsync(new { rows = new[] { row }, features = new[] { set } });
        var plain = await PredictAsync(new { rows = new object[] { new { tenure_months = 12, internet = "dsl", monthly_charges = 55.0, contract = "one-year", paperless = "yes", support_calls = 0 } } });
        Assert.Equal(Scores(plain), Scores(withDefault));

        // Past the TTL: contract and monthly_charges have no default, so the request is refused naming them and the key.
        _time.Advance(TimeSpan.FromMinutes(31));
        var refused = await ProblemAsync(HttpStatusCode.BadRequest, _http.PostJsonAsync($"/api/models/{_model}/predict", new { rows = new[] { row }, features = new[] { set } }));
        Assert.Contains($"feature 'contract' of feature set '{set}' is expired", refused, StringComparison.Ordinal);
        Assert.Contains($"feature 'monthly_charges' of feature set '{set}' is expired", refused, StringComparison.Ordinal);
        Assert.Contains("customer_id 'C00001'", refused, StringComparison.Ordinal);
        Assert.DoesNotContain("paperless", refused, StringComparison.Ordinal);

        // A key never written: missing, named the same way.
        var unknown = await ProblemAsync(HttpStatusCode.BadRequest, _http.PostJsonAsync($"/api/models/{_model}/predict", new
        {
            rows = new[] { new { customer_id = "C09999", tenure_months = 12, internet = "dsl" } },
            features = new[] { set },
        }));
        Assert.Contains($"feature 'contract' of feature set '{set}' is missing for customer_id 'C09999'", unknown, StringComparison.Ordinal);

        // The same refusal through MCP, as a tool error.
        await using var mcp = await _factory.ConnectMcpAsync();
        var text = await mcp.CallToolErrorAsync("predict", new { model = _model, rows = new[] { row }, features = new[] { set } });
        Assert.Contains("feature 'contract'", text, StringComparison.Ordinal);
        Assert.Contains("expired", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadEnrichedRequests_Are400sNamingTheProblem()
    {
        var set = await DefineAsync("fs-bad");
        await PutValuesAsync(set, "C00001", new { monthly_charges = 55.0, contract = "one-year" });
        var url = $"/api/models/{_model}/predict";

        var noKey = await ProblemAsync(HttpStatusCode.BadRequest, _http.PostJsonAsync(url, new { rows = new[] { new { tenure_months = 1, internet = "dsl" } }, features = new[] { set } }));
        Assert.Contains("'customer_id'", noKey, StringComparison.Ordinal);
        var oneLacks = await ProblemAsync(HttpStatusCode.BadRequest, _http.PostJsonAsync(url, new
        {
            rows = new object[] { new { customer_id = "C00001", tenure_months = 1, internet = "dsl" }, new { tenure_months = 1, internet = "dsl" } },
            features = new[] { set },
        }));
        Assert.Contains("rows[1] lacks the column 'customer_id'", oneLacks, StringComparison.Ordinal);
        var badKey = await ProblemAsync(HttpStatusCode.BadRequest, _http.PostJsonAsync(url, new { rows = new[] { new { customer_id = "a b", tenure_months = 1, internet = "dsl" } }, features = new[] { set } }));
        Assert.Contains("rows[0]: column 'customer_id'", badKey, StringComparison.Ordinal);
        Assert.Contains("not a feature set name", await ProblemAsync(HttpStatusCode.BadRequest, _http.PostJsonAsync(url, new { rows = new[] { new { customer_id = "C00001" } }, features = BadName })), StringComparison.Ordinal);
        Assert.Contains("features must be an array", await ProblemAsync(HttpStatusCode.BadRequest, _http.PostJsonAsync(url, new { rows = new[] { new { customer_id = "C00001" } }, features = set })), StringComparison.Ordinal);
        Assert.Contains("twice", await ProblemAsync(HttpStatusCode.BadRequest, _http.PostJsonAsync(url, new { rows = new[] { new { customer_id = "C00001" } }, features = new[] { set, set } })), StringComparison.Ordinal);
        Assert.Contains("fs-never-defined", await ProblemAsync(HttpStatusCode.NotFound, _http.PostJsonAsync(url, new { rows = new[] { new { customer_id = "C00001" } }, features = NeverDefined })), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listing_PagesFeatureSets_AndMcpToolsReadThem()
    {
        var sets = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            sets.Add(await DefineAsync($"fs-list{i}"));
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await GetAsync($"/api/features?limit=2{(cursor is null ? string.Empty : $"&cursor={cursor}")}");
            Assert.True(page["featureSets"]!.AsArray().Count <= 2);
            seen.AddRange(page["featureSets"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.All(sets, s => Assert.Contains(s, seen));
        var listed = (await GetAsync("/api/features?limit=1000"))["featureSets"]!.AsArray().Single(d => d!["name"]!.GetValue<string>() == sets[0])!;
        Assert.Equal("customer_id", listed["key"]!.GetValue<string>());
        Assert.Equal("00:30:00", listed["ttl"]!.GetValue<string>());
        Assert.Equal("support_calls", listed["aggregates"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("yes", listed["values"]![2]!["default"]!.GetValue<string>());
        Assert.Contains("limit must be between", await ProblemAsync(HttpStatusCode.BadRequest, _http.GetAsync("/api/features?limit=0")), StringComparison.Ordinal);
        Assert.Contains("is not a cursor", await ProblemAsync(HttpStatusCode.BadRequest, _http.GetAsync("/api/features?cursor=nonsense")), StringComparison.Ordinal);

        await using var mcp = await _factory.ConnectMcpAsync();
        var tool = await mcp.CallOkAsync("list_feature_sets", new { limit = 1000 });
        Assert.Contains(tool["featureSets"]!.AsArray(), d => d!["name"]!.GetValue<string>() == sets[1]);

        await PutValuesAsync(sets[1], "C00001", new { monthly_charges = 12.5, contract = "one-year" });
        var entity = await mcp.CallOkAsync("get_features", new { set = sets[1], key = "C00001" });
        Assert.Equal(12.5, entity["values"]!["monthly_charges"]!["value"]!.GetValue<double>());
        _time.Advance(TimeSpan.FromMinutes(30));
        var stale = await mcp.CallOkAsync("get_features", new { set = sets[1], key = "C00001" });
        Assert.Empty(stale["values"]!.AsObject());
        Assert.Contains("contract", stale["expired"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Contains("Invalid key", await mcp.CallInvalidParamsAsync("get_features", new { set = sets[1], key = "a b" }), StringComparison.Ordinal);
        Assert.Contains("is not defined", await mcp.CallToolErrorAsync("get_features", new { set = "fs-never-defined", key = "C00001" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LargeEventBatch_OverManyKeys_LeavesAggregatesEqualToABruteForceRecount()
    {
        var set = McpTestClient.Unique("fs-bulk");
        var defined = await _http.PutAsJsonAsync($"/api/features/{set}", new
        {
            key = "customer_id",
            ttl = "01:00:00",
            aggregates = new object[]
            {
                new { name = "n_1h", op = "count", window = "01:00:00" },
                new { name = "sum_1h", op = "sum", column = "amount", window = "01:00:00" },
                new { name = "mean_10m", op = "mean", column = "amount", window = "00:10:00" },
                new { name = "min_10m", op = "min", column = "amount", window = "00:10:00" },
                new { name = "max_1h", op = "max", column = "amount", window = "01:00:00" },
            },
        });
        Assert.Equal(HttpStatusCode.OK, defined.StatusCode);

        var random = new Random(2026);
        var now = _time.GetUtcNow();
        var sent = new List<(string Key, DateTimeOffset At, double Amount)>();
        for (var batch = 0; batch < 3; batch++)
        {
            var events = Enumerable.Range(0, 5_000).Select(_ => (
                Key: $"k-{random.Next(800)}",
                At: now - TimeSpan.FromSeconds(random.Next(-60, 4_000)),
                Amount: Math.Round((random.NextDouble() * 400) - 100, 2))).ToList();
            var answer = await (await _http.PostJsonAsync($"/api/features/{set}/events", new
            {
                events = events.Select(e => new { key = e.Key, timestamp = e.At, values = new { amount = e.Amount } }),
            })).ReadJsonAsync();
            var inWindow = events.Where(e => e.At > now - TimeSpan.FromHours(1)).ToList();
            Assert.Equal(inWindow.Count, answer["accepted"]!.GetValue<int>());
            Assert.Equal(events.Count - inWindow.Count, answer["outOfWindow"]!.GetValue<int>());
            sent.AddRange(inWindow);
        }

        _time.Advance(TimeSpan.FromMinutes(3));
        var readAt = _time.GetUtcNow();
        foreach (var key in sent.Select(e => e.Key).Distinct().Order(StringComparer.Ordinal).Take(200))
        {
            var mine = sent.Where(e => e.Key == key).ToList();
            var hour = mine.Where(e => e.At > readAt - TimeSpan.FromHours(1)).Select(e => e.Amount).ToList();
            var tenMinutes = mine.Where(e => e.At > readAt - TimeSpan.FromMinutes(10)).Select(e => e.Amount).ToList();
            var aggregates = (await GetAsync($"/api/features/{set}/{key}"))["aggregates"]!;
            Assert.Equal(hour.Count, aggregates["n_1h"]!.GetValue<double>());
            Assert.Equal(hour.Sum(), aggregates["sum_1h"]!.GetValue<double>(), 6);
            Assert.Equal(hour.Count == 0 ? null : hour.Max(), aggregates["max_1h"]?.GetValue<double>());
            Assert.Equal(tenMinutes.Count == 0 ? null : tenMinutes.Min(), aggregates["min_10m"]?.GetValue<double>());
            if (tenMinutes.Count > 0)
            {
                Assert.Equal(tenMinutes.Average(), aggregates["mean_10m"]!.GetValue<double>(), 6);
            }
            else
            {
                Assert.Null(aggregates["mean_10m"]);
            }
        }
    }

    /// <summary>A set that supplies three of the churn model's inputs as values and a fourth (support_calls) as a count of events.</summary>
    private async Task<string> DefineAsync(string prefix)
    {
        var set = McpTestClient.Unique(prefix);
        var response = await _http.PutAsJsonAsync($"/api/features/{set}", new
        {
            key = "customer_id",
            ttl = "00:30:00",
            values = new object[]
            {
                new { name = "monthly_charges" },
                new { name = "contract", kind = "categorical" },
                new { name = "paperless", kind = "categorical", @default = "yes" },
            },
            aggregates = new[] { new { name = "support_calls", op = "count", window = "01:00:00" } },
        });
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        return set;
    }

    private async Task PutValuesAsync(string set, string key, object values)
    {
        var response = await _http.PutAsJsonAsync($"/api/features/{set}/{key}", new { values });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private async Task PostEventsAsync(string set, IEnumerable<(string Key, DateTimeOffset At)> events)
    {
        var answer = await (await _http.PostJsonAsync($"/api/features/{set}/events", new { events = events.Select(e => new { key = e.Key, timestamp = e.At }) })).ReadJsonAsync();
        Assert.Equal(0, answer["invalid"]!.GetValue<int>() + answer["outOfWindow"]!.GetValue<int>());
    }

    private async Task<JsonNode> PredictAsync(object body)
    {
        var response = await _http.PostJsonAsync($"/api/models/{_model}/predict", body);
        var json = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToJsonString());
        return json;
    }

    private async Task<JsonNode> GetAsync(string url)
    {
        var response = await _http.GetAsync(url);
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        return body;
    }

    private static async Task<string> ProblemAsync(HttpStatusCode status, Task<HttpResponseMessage> send)
    {
        using var response = await send;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!["detail"]!.GetValue<string>();
    }

    /// <summary>The predictions without the given property (each answer signs its own prediction ids).</summary>
    private static string Without(JsonNode answer, string property)
    {
        var copy = answer.DeepClone();
        foreach (var prediction in copy["predictions"]!.AsArray())
        {
            prediction!.AsObject().Remove(property);
        }

        return copy["predictions"]!.ToJsonString();
    }

    /// <summary>Each prediction's label and probabilities, as text.</summary>
    private static string[] Scores(JsonNode answer) =>
        [.. answer["predictions"]!.AsArray().Select(p => $"{p!["label"]?.ToJsonString()} {p["probabilities"]?.ToJsonString()}")];
}
