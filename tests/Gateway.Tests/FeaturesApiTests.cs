using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrleansMl.Features;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests;

/// <summary>
/// The feature store over REST on the real gateway, with the feature clock faked so TTLs and windows can be crossed
/// exactly. Every bad request is a 400 (or 404/413) whose detail names the problem, and changes nothing.
/// </summary>
public sealed class FeaturesApiTests : IAsyncLifetime, IDisposable
{
    private const int EventsPerRequest = 50;
    private static readonly string[] Ops = ["count", "sum", "mean", "min", "max"];

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly GatewayFactory _factory;
    private HttpClient _http = null!;

    public FeaturesApiTests() => _factory = new GatewayFactory
    {
        Settings = new Dictionary<string, string> { ["OrleansMl:MaxFeatureEventsPerRequest"] = EventsPerRequest.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        TestServices = services => services.AddKeyedSingleton<TimeProvider>(FeatureClock.ServiceKey, _time),
    };

    public Task InitializeAsync()
    {
        _http = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
    }

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Get_ReturnsAValueWithItsAge_BeforeTheTtl_AndReportsItExpired_After()
    {
        var set = await DefineAsync("fs-ttl");
        var put = await _http.PutAsJsonAsync($"/api/features/{set}/c-1001", new { values = new { balance = 1520.75, segment = "premium" } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        _time.Advance(TimeSpan.FromMinutes(29));
        var fresh = await GetAsync($"/api/features/{set}/c-1001");
        Assert.Equal(1520.75, fresh["values"]!["balance"]!["value"]!.GetValue<double>());
        Assert.Equal("premium", fresh["values"]!["segment"]!["value"]!.GetValue<string>());
        Assert.Equal("00:29:00", fresh["values"]!["balance"]!["age"]!.GetValue<string>());
        Assert.Empty(fresh["expired"]!.AsArray());

        _time.Advance(TimeSpan.FromMinutes(1));
        var stale = await GetAsync($"/api/features/{set}/c-1001");
        Assert.Empty(stale["values"]!.AsObject());
        Assert.Equal(["balance", "segment"], stale["expired"]!.AsArray().Select(n => n!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("1520.75", stale.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_UpdateWindowAggregates_CountingLateOnes_AndReportingOutOfWindowAndInvalidOnes()
    {
        var set = await DefineAsync("fs-events");
        var now = _time.GetUtcNow();
        var answer = await _http.PostJsonAsync($"/api/features/{set}/events", new
        {
            events = new object[]
            {
                new { key = "c-1", timestamp = now.AddMinutes(-5), values = new { amount = 10.0 } },
                new { key = "c-2", timestamp = now, values = new { amount = 7.0 } },
                new { key = "c-1", timestamp = now.AddMinutes(-59), values = new { amount = 30.0 } },
                new { key = "c-1", timestamp = now.AddMinutes(-61), values = new { amount = 1000.0 } },
                new { key = "bad key", timestamp = now, values = new { amount = 1.0 } },
                new { key = "c-1", timestamp = now, values = new { colour = 1.0 } },
                new { key = "c-1", values = new { amount = 1.0 } },
                new { key = "c-1", timestamp = "0001-01-01T00:00:00Z", values = new { amount = 1.0 } },
            },
        });
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var counts = await answer.ReadJsonAsync();
        Assert.Equal((3, 2, 3, 0), (Int(counts, "accepted"), Int(counts, "outOfWindow"), Int(counts, "invalid"), Int(counts, "overLimit")));
        Assert.Equal([3, 4, 5, 6, 7], counts["errors"]!.AsArray().Select(e => e!["index"]!.GetValue<int>()));
        string Reason(int error) => counts["errors"]![error]!["reason"]!.GetValue<string>();
        Assert.Contains("Invalid key 'bad key'", Reason(1), StringComparison.Ordinal);

        // Left out, the timestamp is required; given as the first day of year 1, it is a time, older than the hour.
        Assert.StartsWith("timestamp is required", Reason(3), StringComparison.Ordinal);
        Assert.StartsWith("out of window: 0001-01-01T00:00:00", Reason(4), StringComparison.Ordinal);

        var c1 = (await GetAsync($"/api/features/{set}/c-1"))["aggregates"]!;
        Assert.Equal((2.0, 40.0, 20.0, 10.0, 30.0), (c1["tx_count_1h"]!.GetValue<double>(), c1["tx_sum_1h"]!.GetValue<double>(),
            c1["tx_mean_1h"]!.GetValue<double>(), c1["tx_min_1h"]!.GetValue<double>(), c1["tx_max_1h"]!.GetValue<double>()));

        // Two minutes later the 59-minute-old event has left the hour.
        _time.Advance(TimeSpan.FromMinutes(2));
        c1 = (await GetAsync($"/api/features/{set}/c-1"))["aggregates"]!;
        Assert.Equal((1.0, 10.0), (c1["tx_count_1h"]!.GetValue<double>(), c1["tx_sum_1h"]!.GetValue<double>()));
        var unseen = (await GetAsync($"/api/features/{set}/c-404"))["aggregates"]!;
        Assert.Equal(0.0, unseen["tx_count_1h"]!.GetValue<double>());
        Assert.Null(unseen["tx_mean_1h"]);
    }

    [Fact]
    public async Task BadRequests_AreClear400s_ThatNameTheProblem_AndChangeNothing()
    {
        var set = await DefineAsync("fs-bad");
        await _http.PutAsJsonAsync($"/api/features/{set}/c-1", new { values = new { balance = 1.0, segment = "retail" } });
        var before = await GetAsync($"/api/features/{set}");

        await AssertProblemAsync(HttpStatusCode.BadRequest, "key is required", _http.PutAsJsonAsync($"/api/features/{set}", new { ttl = "01:00:00", values = new[] { new { name = "x" } } }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "ttl is required", _http.PutAsJsonAsync($"/api/features/{set}", new { key = "id", values = new[] { new { name = "x" } } }));
        // A kind no feature value can have is refused with the three it can have, not every column kind a dataset knows;
        // nor does an enum's number stand in for its word.
        await AssertProblemAsync(HttpStatusCode.BadRequest, "$.values[0].kind could not be read as one of: numeric, categorical, boolean.", _http.PutAsJsonAsync($"/api/features/{set}", new { key = "id", ttl = "01:00:00", values = new[] { new { name = "x", kind = "text" } } }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "$.values[0].kind could not be read as one of: numeric, categorical, boolean.", _http.PutAsJsonAsync($"/api/features/{set}", new { key = "id", ttl = "01:00:00", values = new[] { new { name = "x", kind = 1 } } }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "$.aggregates[0].op could not be read as one of: count, sum, mean, min, max.", _http.PutAsJsonAsync($"/api/features/{set}", new { key = "id", ttl = "01:00:00", aggregates = new[] { new { name = "a", op = 0, column = "amount", window = "01:00:00" } } }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "aggregate 'a' needs a column", _http.PutAsJsonAsync($"/api/features/{set}", new { key = "id", ttl = "01:00:00", aggregates = new[] { new { name = "a", op = "sum", window = "01:00:00" } } }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "op", _http.PutAsJsonAsync($"/api/features/{set}", new { key = "id", ttl = "01:00:00", aggregates = new[] { new { name = "a", op = "median", column = "amount", window = "01:00:00" } } }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "Invalid feature set name", _http.PutAsJsonAsync("/api/features/.bad", new { key = "id", ttl = "01:00:00", values = new[] { new { name = "x" } } }));
        Assert.Equal(before.ToJsonString(), (await GetAsync($"/api/features/{set}")).ToJsonString());

        await AssertProblemAsync(HttpStatusCode.BadRequest, "unknown name 'colour'", _http.PutAsJsonAsync($"/api/features/{set}/c-1", new { values = new { balance = 2.0, colour = "red" } }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "'balance' must be a number (numeric), not the string \"lots\"", _http.PutAsJsonAsync($"/api/features/{set}/c-1", new { values = new { balance = "lots" } }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "values is required", _http.PutAsJsonAsync($"/api/features/{set}/c-1", new { }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "Invalid key 'c 1'", _http.PutAsJsonAsync($"/api/features/{set}/c%201", new { values = new { balance = 2.0 } }));
        var entity = await GetAsync($"/api/features/{set}/c-1");
        Assert.Equal(1.0, entity["values"]!["balance"]!["value"]!.GetValue<double>());
        Assert.Equal("retail", entity["values"]!["segment"]!["value"]!.GetValue<string>());

        await AssertProblemAsync(HttpStatusCode.BadRequest, "events is required", _http.PostJsonAsync($"/api/features/{set}/events", new { }));
        var tooMany = Enumerable.Range(0, EventsPerRequest + 1).Select(_ => new { key = "c-1", timestamp = _time.GetUtcNow(), values = new { amount = 1.0 } });
        await AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "OrleansMl__MaxFeatureEventsPerRequest", _http.PostJsonAsync($"/api/features/{set}/events", new { events = tooMany }));
        Assert.Equal(0.0, (await GetAsync($"/api/features/{set}/c-1"))["aggregates"]!["tx_count_1h"]!.GetValue<double>());

        await AssertProblemAsync(HttpStatusCode.NotFound, "is not defined", _http.GetAsync("/api/features/fs-never-defined/c-1"));
        await AssertProblemAsync(HttpStatusCode.NotFound, "is not defined", _http.PutAsJsonAsync("/api/features/fs-never-defined/c-1", new { values = new { balance = 1.0 } }));
    }

    [Fact]
    public async Task NumbersBeyondTheFloat32Range_AreRefused_AndNoAggregateOrToolAnswerIsEverInfinite()
    {
        var set = await DefineAsync("fs-huge");
        var now = _time.GetUtcNow();
        await AssertProblemAsync(HttpStatusCode.BadRequest, "'balance' must be a finite number within the float32 range (±3.4028235E+38), not the number 1E+308",
            _http.PutAsJsonAsync($"/api/features/{set}/c-1", new { values = new { balance = 1e308 } }));

        var refused = await (await _http.PostJsonAsync($"/api/features/{set}/events", new
        {
            events = new object[]
            {
                new { key = "c-1", timestamp = now, values = new { amount = 1e308 } },
                new { key = "c-1", timestamp = now, values = new { amount = 1e308 } },
            },
        })).ReadJsonAsync();
        Assert.Equal((0, 2), (Int(refused, "accepted"), Int(refused, "invalid")));
        Assert.Contains("'amount' must be a finite number within the float32 range", refused["errors"]![0]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("1E+308", refused["errors"]![1]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);

        // Two amounts each within range whose sum is not: the sum reads null, the others stay numbers.
        var accepted = await (await _http.PostJsonAsync($"/api/features/{set}/events", new
        {
            events = new object[]
            {
                new { key = "c-1", timestamp = now, values = new { amount = 3e38 } },
                new { key = "c-1", timestamp = now, values = new { amount = 3e38 } },
            },
        })).ReadJsonAsync();
        Assert.Equal(2, Int(accepted, "accepted"));
        var aggregates = (await GetAsync($"/api/features/{set}/c-1"))["aggregates"]!;
        Assert.Null(aggregates["tx_sum_1h"]);
        Assert.Equal((2.0, 3e38, 3e38), (aggregates["tx_count_1h"]!.GetValue<double>(), aggregates["tx_mean_1h"]!.GetValue<double>(), aggregates["tx_max_1h"]!.GetValue<double>()));

        await using var mcp = await _factory.ConnectMcpAsync();
        var features = await mcp.CallOkAsync("get_features", new { set, key = "c-1" });
        Assert.Null(features["aggregates"]!["tx_sum_1h"]);
        Assert.Contains("tx_sum_1h=none", McpTestClient.Text(await mcp.CallToolAsync("get_features", McpTestClient.Arguments(new { set, key = "c-1" }))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACategoricalValueLongerThanADatasetCell_IsRefusedNamingTheSetting_AndChangesNothing()
    {
        var set = await DefineAsync("fs-long");
        await _http.PutAsJsonAsync($"/api/features/{set}/c-1", new { values = new { segment = "premium" } });
        var (longest, tooLong) = (new string('s', 32_768), new string('s', 32_769));

        await AssertProblemAsync(HttpStatusCode.BadRequest, "'segment' has 32769 characters; at most 32768 are allowed (OrleansMl__MaxCellCharacters)",
            _http.PutAsJsonAsync($"/api/features/{set}/c-1", new { values = new { balance = 2.0, segment = tooLong } }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "the default of 'segment' has 32769 characters; at most 32768 are allowed (OrleansMl__MaxCellCharacters)",
            _http.PutAsJsonAsync($"/api/features/{set}", new { key = "customer_id", ttl = "00:30:00", values = new[] { new { name = "segment", kind = "categorical", @default = tooLong } } }));

        var entity = await GetAsync($"/api/features/{set}/c-1");
        Assert.Equal("premium", entity["values"]!["segment"]!["value"]!.GetValue<string>());
        Assert.Null(entity["values"]!["balance"]);
        Assert.Equal(1, (await GetAsync($"/api/features/{set}"))["revision"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/features/{set}/c-1", new { values = new { segment = longest } })).StatusCode);
    }

    private async Task<string> DefineAsync(string prefix)
    {
        var set = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        var response = await _http.PutAsJsonAsync($"/api/features/{set}", new
        {
            key = "customer_id",
            ttl = "00:30:00",
            values = new object[] { new { name = "balance" }, new { name = "segment", kind = "categorical", @default = "retail" } },
            aggregates = Ops.Select(op => new { name = $"tx_{op}_1h", op, column = "amount", window = "01:00:00" }),
        });
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        Assert.Equal(1, body["revision"]!.GetValue<int>());
        Assert.Equal("categorical", body["values"]![1]!["kind"]!.GetValue<string>());
        return set;
    }

    private async Task<JsonNode> GetAsync(string url)
    {
        var response = await _http.GetAsync(url);
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        return body;
    }

    private static async Task AssertProblemAsync(HttpStatusCode status, string detail, Task<HttpResponseMessage> send)
    {
        using var response = await send;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        Assert.Contains(detail, JsonNode.Parse(body)!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static int Int(JsonNode node, string name) => node[name]!.GetValue<int>();
}
