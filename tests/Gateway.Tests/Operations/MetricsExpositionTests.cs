using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Xunit.Abstractions;

namespace OrleansMl.Gateway.Tests.Operations;

/// <summary>
/// The Grafana dashboard and the Prometheus alerting rules in <c>k8s/monitoring</c> query only metrics that a gateway
/// or a silo process exports: after a short workload (uploads, trainings, a silo restart, predictions, MCP tool calls)
/// every metric name they use appears in a live <c>/metrics</c>, OrleansMl's own operation metrics on the silo where
/// the work ran, and the HTTP and MCP ones on the gateway.
/// </summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed partial class MetricsExpositionTests(ITestOutputHelper output)
{
    private static readonly string Monitoring = Path.Combine(RestApiTests.RepositoryRoot(), "k8s", "monitoring");
    private static readonly string ChurnCsv = File.ReadAllText(Path.Combine(RestApiTests.RepositoryRoot(), "samples", "churn.csv"));

    [Fact]
    public async Task EveryMetricTheDashboardAndAlertsUse_IsExported_AfterAShortWorkload()
    {
        var used = MetricsUsed();
        Assert.True(used.Count >= 20, $"Only {used.Count} metric names found in the dashboard and alerts: {string.Join(", ", used)}");

        await using var cluster = await LocalCluster.StartAsync(silos: 1, gateways: 1, new Dictionary<string, string>
        {
            ["OrleansMl__TrainingConcurrency"] = "1",
            ["OrleansMl__TrainingThreads"] = "1",
        });
        try
        {
            var served = (await WorkloadAsync(cluster)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var gateway = await PrometheusText.ScrapeAsync(cluster.Http, new Uri(cluster.GatewayAddress(1), "/metrics"));
            var silo = await PrometheusText.ScrapeAsync(cluster.Http, new Uri(cluster.SiloHttpAddress(1), "/metrics"));
            output.WriteLine($"{used.Count} metric names used; the gateway exports {gateway.Names.Count}, the silo {silo.Names.Count}");

            foreach (var name in used)
            {
                if (name.StartsWith("orleansml_mcp_", StringComparison.Ordinal) || name.StartsWith("http_server_", StringComparison.Ordinal))
                {
                    Assert.True(gateway.Names.Contains(name), $"{name} (used by k8s/monitoring) is not in the gateway's /metrics");
                }
                else if (name.StartsWith("orleansml_", StringComparison.Ordinal))
                {
                    Assert.True(silo.Names.Contains(name), $"{name} (used by k8s/monitoring) is not in the silo's /metrics");
                }
                else
                {
                    Assert.True(gateway.Names.Contains(name) || silo.Names.Contains(name), $"{name} (used by k8s/monitoring) is in neither /metrics");
                }
            }

            // The operation metrics carry the labels the panels group by.
            Assert.True(silo.Sum("orleansml_prediction_duration_seconds_count", ("model", "churn"), ("version", served)) >= 5);
            Assert.True(silo.Sum("orleansml_prediction_errors_total", ("model", "churn"), ("reason", "invalid_prediction_input")) >= 1);
            Assert.True(silo.Sum("orleansml_prediction_errors_total", ("model", ""), ("reason", "model_not_found")) >= 1);
            Assert.True(silo.Sum("orleansml_training_duration_seconds_count", ("algorithm", LongFit.Algorithm), ("outcome", "cancelled")) >= 1);
            Assert.True(silo.Sum("orleansml_training_duration_seconds_count", ("algorithm", "linear"), ("outcome", "succeeded")) >= 2);
            Assert.True(silo.Sum("orleansml_training_resumes_total") >= 1);
            Assert.True(silo.Sum("orleansml_rollout_requests_total", ("model", "churn"), ("arm", "candidate")) >= 1);
            Assert.True(silo.Sum("orleansml_rollout_decisions_total", ("model", "churn"), ("action", "abort")) >= 1);
            Assert.True(silo.Sum("orleansml_upload_rejections_total", ("reason", "invalid_dataset")) >= 1);
            Assert.True(gateway.Sum("orleansml_mcp_tool_duration_seconds_count", ("tool", "list_models")) >= 1);
            Assert.True(gateway.Sum("orleansml_mcp_tool_errors_total", ("tool", "describe_model"), ("kind", "invalid_params")) >= 1);
            Assert.True(gateway.Sum("orleansml_mcp_tool_errors_total", ("tool", "describe_model"), ("kind", "tool_error")) >= 1);
            Assert.DoesNotContain(gateway.Samples, s => s.Labels.TryGetValue("model", out var m) && m.StartsWith("no-such", StringComparison.Ordinal));
            Assert.DoesNotContain(silo.Samples, s => s.Labels.TryGetValue("model", out var m) && m.StartsWith("no-such", StringComparison.Ordinal));
        }
        catch
        {
            output.WriteLine(cluster.Logs());
            throw;
        }
    }

    /// <summary>
    /// A canary of <paramref name="candidate"/> against production on <paramref name="baseline"/>: traffic through the
    /// alias until the rollout has checked its guard on both arms, then an abort.
    /// </summary>
    private static async Task RolloutAsync(LocalCluster cluster, int baseline, int candidate, Dictionary<string, object> row)
    {
        var http = cluster.Http;
        using (var promote = await http.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/api/models/churn/aliases/production") { Content = JsonContent.Create(new { version = baseline }) }))
        {
            Assert.Equal(HttpStatusCode.OK, promote.StatusCode);
        }

        var rollout = new { candidate, weight = 50, stepAfter = new { samples = 1_000_000 }, guard = new { metric = "errorRate", max = 0.5, minSamples = 1 } };
        using (var start = await http.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/api/models/churn/rollout") { Content = JsonContent.Create(rollout) }))
        {
            Assert.True(start.IsSuccessStatusCode, $"starting the rollout: {(int)start.StatusCode} {await start.Content.ReadAsStringAsync()}");
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            for (var i = 0; i < 10; i++)
            {
                using var predict = await http.PostJsonAsync("/api/models/churn/predict", new { rows = new[] { row } });
                Assert.Equal(HttpStatusCode.OK, predict.StatusCode);
            }

            var silo = await PrometheusText.ScrapeAsync(http, new Uri(cluster.SiloHttpAddress(1), "/metrics"));
            if (silo.Sum("orleansml_rollout_guard_value_count", ("arm", "candidate")) >= 1)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "The rollout did not check its guard on the candidate within 60 s.");
            await Task.Delay(500);
        }

        using var abort = await http.DeleteAsync("/api/models/churn/rollout");
        Assert.Equal(HttpStatusCode.OK, abort.StatusCode);
    }

    /// <summary>Runs the workload; returns the version that served the predictions.</summary>
    private static async Task<int> WorkloadAsync(LocalCluster cluster)
    {
        var http = cluster.Http;
        Assert.Equal(HttpStatusCode.Created, (await http.PostCsvAsync("/api/datasets/churn", ChurnCsv)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await http.PostCsvAsync("/api/datasets/churn-long", LongFit.Repeated(ChurnCsv, 40))).StatusCode);

        // A fit that runs until cancelled and a job queued behind it; then the silo restarts under them: the jobs
        // resume (a new activation) and parse their datasets again (cache misses).
        var search = await TrainAsync(http, new { dataset = "churn-long", label = "churned", algorithm = LongFit.Algorithm, parameters = LongFit.Parameters });
        var queued = await TrainAsync(http, new { dataset = "churn", label = "churned", algorithm = "linear" });
        await WaitForStatusAsync(http, search, "running");
        var pid = cluster.SiloPid(1);
        await cluster.SignalSiloAsync(1, "TERM");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (LocalCluster.IsRunning(pid))
        {
            Assert.True(DateTime.UtcNow < deadline, "The silo did not stop within 60 s of SIGTERM.");
            await Task.Delay(100);
        }

        await cluster.UpAsync();
        await WaitForStatusAsync(http, search, "running");

        // Uploads after the restart, on the new process: one accepted, one refused.
        Assert.Equal(HttpStatusCode.Created, (await http.PostCsvAsync("/api/datasets/small", "x,y\n1,a\n2,b\n")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostCsvAsync("/api/datasets/ragged", "a,b\n1,2\n3\n")).StatusCode);
        using (var cancel = await http.PostAsync($"/api/models/churn/versions/{search}/cancel", null))
        {
            Assert.Equal("cancelled", (await cancel.ReadJsonAsync())["status"]!.GetValue<string>());
        }

        Assert.Equal("succeeded", (await http.WaitForVersionAsync("churn", queued))["status"]!.GetValue<string>());
        var again = await TrainAsync(http, new { dataset = "churn", label = "churned", algorithm = "linear" });
        Assert.Equal("succeeded", (await http.WaitForVersionAsync("churn", again))["status"]!.GetValue<string>());

        var row = new Dictionary<string, object> { ["tenure_months"] = 2, ["monthly_charges"] = 95.5, ["contract"] = "month-to-month", ["internet"] = "fiber", ["support_calls"] = 5, ["paperless"] = "yes" };
        for (var i = 0; i < 5; i++)
        {
            using var predict = await http.PostJsonAsync("/api/models/churn/predict", new { rows = new[] { row }, version = queued });
            Assert.True(predict.IsSuccessStatusCode, $"predict: {(int)predict.StatusCode} {await predict.Content.ReadAsStringAsync()}");
        }

        using (var bad = await http.PostJsonAsync("/api/models/churn/predict", new { rows = new[] { new Dictionary<string, object> { ["colour"] = "red" } }, version = queued }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        using (var missing = await http.PostJsonAsync("/api/models/no-such-model/predict", new { rows = new[] { row } }))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        await RolloutAsync(cluster, baseline: queued, candidate: again, row);

        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(cluster.GatewayAddress(1), "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        });
        await using var mcp = await McpClient.CreateAsync(transport);
        var models = await mcp.CallToolAsync("list_models");
        Assert.True(models.IsError is not true);
        var unknown = await mcp.CallToolAsync("describe_model", new Dictionary<string, object?> { ["model"] = "no-such-model" });
        Assert.True(unknown.IsError is true);
        var invalid = await Assert.ThrowsAsync<McpProtocolException>(() => mcp.CallToolAsync("describe_model", new Dictionary<string, object?>()).AsTask());
        Assert.Equal(McpErrorCode.InvalidParams, invalid.ErrorCode);
        return queued;
    }

    /// <summary>Every metric name in the dashboard's queries and the alerting rules' expressions.</summary>
    private static SortedSet<string> MetricsUsed()
    {
        var expressions = new List<string>();
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(Monitoring, "orleansml-dashboard.json")))!;
        expressions.AddRange(dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]?.AsArray() ?? []).Select(t => t!["expr"]!.GetValue<string>()));
        var rules = File.ReadAllText(Path.Combine(Monitoring, "orleansml-alerts.yaml"));
        expressions.Add(string.Join('\n', rules.Split('\n').Where(l => !l.TrimStart().StartsWith('#') && !l.Contains("description:", StringComparison.Ordinal) && !l.Contains("summary:", StringComparison.Ordinal))));
        Assert.True(expressions.Count >= 30, "The dashboard has too few queries to be read");
        return new SortedSet<string>(expressions.SelectMany(e => MetricName().Matches(e)).Select(m => m.Value), StringComparer.Ordinal);
    }

    private static async Task<int> TrainAsync(HttpClient http, object request)
    {
        using var response = await http.PostJsonAsync("/api/models/churn/train", request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadJsonAsync())["version"]!.GetValue<int>();
    }

    private static async Task WaitForStatusAsync(HttpClient http, int version, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            using var response = await http.GetAsync($"/api/models/churn/versions/{version}");
            if (response.IsSuccessStatusCode && (await response.ReadJsonAsync())["status"]!.GetValue<string>() == status)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"v{version} never reached {status}");
            await Task.Delay(200);
        }
    }

    // Metric names of the families the monitoring uses; label names (http_route, ...) never start with these.
    [GeneratedRegex(@"\b(orleansml|orleans|http_server|kestrel|dotnet)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();
}
