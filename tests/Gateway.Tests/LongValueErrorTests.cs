using System.Net;
using System.Net.Http.Json;
using System.Text;
using OrleansMl.Gateway.Tests.Mcp;
using OrleansMl.Gateway.Tests.Security;

namespace OrleansMl.Gateway.Tests;

/// <summary>
/// A name or word far longer than any valid one, sent where a route names what it refuses: the error quotes its start
/// and its length, never all of it, so an answer does not grow with what was sent.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class LongValueErrorTests(GatewayFactory factory)
{
    private const int Length = 100_000;
    private static readonly string Long = new('z', Length);

    private readonly HttpClient _http = factory.CreateClient();

    [Fact]
    public async Task RoutesThatNameARefusedValue_QuoteAVeryLongOneByItsStartAndLength()
    {
        var model = McpTestClient.Unique("long");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{model}", McpTestClient.BinaryCsv())).StatusCode);
        var queued = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset = model, label = "label", algorithm = "linear" })).ReadJsonAsync();
        Assert.Equal("succeeded", (await _http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>()))["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/features/{model}", new
        {
            key = "id", ttl = "01:00:00", values = new[] { new { name = "v" } }, aggregates = new[] { new { name = "n", op = "count", window = "01:00:00" } },
        })).StatusCode);

        var refused = new Dictionary<string, HttpResponseMessage>
        {
            ["rollout mode"] = await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { candidate = 1, mode = Long }),
            ["guard metric"] = await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production/guard", new { metric = Long }),
            ["schedule trigger"] = await _http.PutAsJsonAsync($"/api/models/{model}/schedule", new { every = "01:00:00", dataset = model, label = "label", trigger = Long }),
            ["training label"] = await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset = model, label = Long }),
            ["training algorithm"] = await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset = model, label = "label", algorithm = Long }),
            ["training feature"] = await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset = model, label = "label", features = new[] { Long } }),
            ["feature set value name"] = await _http.PutAsJsonAsync($"/api/features/{model}", new { key = "id", ttl = "01:00:00", values = new[] { new { name = Long } } }),
            ["feature set key"] = await _http.PutAsJsonAsync($"/api/features/{model}", new { key = Long, ttl = "01:00:00", values = new[] { new { name = "v" } } }),
            ["feature value name"] = await _http.PutAsJsonAsync($"/api/features/{model}/k1", new { values = new Dictionary<string, double> { [Long] = 1 } }),
            ["appended column"] = await _http.PostJsonAsync($"/api/datasets/{model}/rows", new { rows = new[] { new Dictionary<string, double> { [Long] = 1 } } }),
        };

        foreach (var (what, response) in refused)
        {
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {(int)response.StatusCode}");
            var detail = await response.ProblemDetailAsync();
            Assert.True(detail.Length < 1000 && detail.Contains(new string('z', 64) + "…", StringComparison.Ordinal), $"{what}: {detail.Length} characters: {detail[..Math.Min(300, detail.Length)]}");
        }

        var events = await (await _http.PostAsync($"/api/features/{model}/events", new StringContent(
            $$$"""{"events":[{"key":"{{{Long}}}","timestamp":"{{{DateTimeOffset.UtcNow:O}}}","values":{}},{"key":"k1","timestamp":"{{{DateTimeOffset.UtcNow:O}}}","values":{"{{{Long}}}":1}}]}""",
            Encoding.UTF8, "application/json"))).ReadJsonAsync();
        var reasons = events["errors"]!.AsArray().Select(e => e!["reason"]!.GetValue<string>()).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.All(reasons, reason => Assert.True(reason.Length < 1000 && reason.Contains($"… ({Length} characters)", StringComparison.Ordinal), reason[..Math.Min(300, reason.Length)]));
    }
}
