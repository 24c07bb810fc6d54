using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Orleans.Runtime.Placement;
using Xunit.Abstractions;

namespace OrleansMl.Gateway.Tests;

/// <summary>The fault test of cluster mode runs alone: its timings are what it measures.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterProcessesCollection
{
    public const string Name = "cluster processes";
}

/// <summary>
/// PostgreSQL, three silos and a gateway as separate processes (<c>scripts/cluster.sh</c>): a silo is killed under
/// load, another leaves gracefully, then the whole cluster is stopped and started again on the same database.
/// </summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class ClusterFaultTests(ITestOutputHelper output)
{
    private const string Model = "churn";
    private static readonly string ChurnCsv = File.ReadAllText(Path.Combine(RestApiTests.RepositoryRoot(), "samples", "churn.csv"));
    private static readonly TimeSpan FailoverLimit = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task KilledSilo_LosesNothing_JobsResumeElsewhere_AndARestartedClusterHasEverything()
    {
        // One training slot per silo whatever the machine, so a second job on the same silo waits in the queue.
        await using var cluster = await LocalCluster.StartAsync(silos: 3, gateways: 1, new Dictionary<string, string> { ["OrleansMl__TrainingConcurrency"] = "1" });
        try
        {
            await RunAsync(cluster);
        }
        catch
        {
            output.WriteLine(cluster.Logs());
            throw;
        }
    }

    private async Task RunAsync(LocalCluster cluster)
    {
        var http = cluster.Http;

        // Acknowledged state: a dataset, three trained versions, two aliases with history.
        Assert.Equal(HttpStatusCode.Created, (await http.PostCsvAsync("/api/datasets/churn", ChurnCsv)).StatusCode);
        foreach (var algorithm in new[] { "linear", "fasttree", "lightgbm" })
        {
            await TrainAsync(http, new { dataset = "churn", label = "churned", algorithm });
        }

        for (var version = 1; version <= 3; version++)
        {
            Assert.Equal("succeeded", (await http.WaitForVersionAsync(Model, version))["status"]!.GetValue<string>());
        }

        await SetAliasAsync(http, "production", 1, "baseline");
        await SetAliasAsync(http, "production", 2, "higher auc");
        await SetAliasAsync(http, "staging", 3, "candidate");
        var expectedPrediction = Sorted(await PredictAsync(http))!.ToJsonString();

        // The silo to kill hosts the model grain. So that it runs training jobs too, the test places the dataset of
        // those jobs next to the model grain; the product places a version's training on its dataset's silo.
        var client = await cluster.ConnectClientAsync();
        var management = client.GetGrain<IManagementGrain>(0);
        var victim = await management.GetActivationAddress(client.GetGrain<IModelGrain>(Model))
            ?? throw new InvalidOperationException("The model grain is not active anywhere.");
        await ActivateOnAsync(victim, () => client.GetGrain<IDatasetGrain>("churn-long").GetAsync());
        Assert.Equal(HttpStatusCode.Created, (await http.PostCsvAsync("/api/datasets/churn-long", LongFit.Repeated(ChurnCsv, 40))).StatusCode);
        Assert.Equal(victim, await management.GetActivationAddress(client.GetGrain<IDatasetGrain>("churn-long")));

        // A long fit (10,000 trees of 100 leaves on 48,000 rows: minutes) that runs until cancelled, and a job queued behind it.
        var running = await TrainAsync(http, new
        {
            dataset = "churn-long",
            label = "churned",
            algorithm = LongFit.Algorithm,
            parameters = LongFit.Parameters,
        });
        var queued = await TrainAsync(http, new { dataset = "churn-long", label = "churned", algorithm = "linear" });
        await WaitForStatusAsync(http, running, "running");
        Assert.Equal(victim, await management.GetActivationAddress(client.GetModelVersion(Model, running)));
        Assert.Equal("queued", (await GetVersionAsync(http, queued))["status"]!.GetValue<string>());
        var datasetsBefore = await GetTextAsync(http, "/api/datasets/churn") + await GetTextAsync(http, "/api/datasets/churn-long");
        var modelBefore = JsonNode.Parse(await GetTextAsync(http, $"/api/models/{Model}"))!;

        // SIGKILL under a steady stream of predictions, through REST and through MCP.
        var victimNumber = cluster.SiloNumber(victim);
        var clock = Stopwatch.StartNew();
        TimeSpan killedAt;
        await using var mcp = await ConnectMcpAsync(http);
        await using (var predictions = PredictionLoop.Start(ct => RestPredictAsync(http, ct), clock))
        await using (var mcpPredictions = PredictionLoop.Start(ct => McpPredictAsync(mcp, ct), clock))
        {
            await predictions.WaitForSuccessesAsync(20);
            await mcpPredictions.WaitForSuccessesAsync(10);
            killedAt = clock.Elapsed;
            await cluster.SignalSiloAsync(victimNumber, "KILL");
            var recovered = await predictions.WaitForSuccessAfterAsync(killedAt, TimeSpan.FromSeconds(60));
            var mcpRecovered = await mcpPredictions.WaitForSuccessAfterAsync(killedAt, TimeSpan.FromSeconds(60));
            await predictions.WaitForSuccessesAsync(20);
            await mcpPredictions.WaitForSuccessesAsync(10);
            await predictions.StopAsync();
            await mcpPredictions.StopAsync();

            var failover = recovered - killedAt;
            foreach (var (what, loop, back) in new[] { ("REST", predictions, recovered), ("MCP", mcpPredictions, mcpRecovered) })
            {
                var failed = loop.Failures();
                output.WriteLine(Invariant($"SIGKILL of silo {victimNumber} (model grain, running and queued job), {what}: predictions answered again after {(back - killedAt).TotalSeconds:F1} s; {failed.Count} of {loop.StartedBetween(killedAt, back)} prediction requests sent in that window failed; slowest request {loop.Slowest().TotalSeconds:F1} s"));
                foreach (var failure in failed)
                {
                    output.WriteLine(Invariant($"  failed at +{(failure.Start - killedAt).TotalSeconds:F1} s after {(failure.End - failure.Start).TotalSeconds:F1} s: {failure.Error}"));
                }

                Assert.True(back - killedAt <= FailoverLimit, Invariant($"{what} predictions answered again only after {(back - killedAt).TotalSeconds:F1} s."));
                Assert.All(failed, f => Assert.InRange(f.Start, killedAt - TimeSpan.FromSeconds(1), back));
            }

            Assert.True(failover <= FailoverLimit, Invariant($"Predictions answered again only after {failover.TotalSeconds:F1} s."));
        }

        // The jobs of the dead silo: their reminders re-activate them on a survivor. Nothing else touches them until
        // then (reading a version through the API would re-activate it too).
        var resumedOn = await WaitForActivationElsewhereAsync(management, client.GetModelVersion(Model, running), victim, TimeSpan.FromSeconds(150));
        output.WriteLine(Invariant($"The running job resumed on silo {cluster.SiloNumber(resumedOn)} through its reminder {(clock.Elapsed - killedAt).TotalSeconds:F0} s after the kill"));
        var resumed = await WaitForStatusAsync(http, running, "running", attempts: 2);
        Assert.Equal(2, resumed["attempts"]!.GetValue<int>());

        // Every acknowledged dataset, version and alias is still there.
        Assert.Equal(datasetsBefore, await GetTextAsync(http, "/api/datasets/churn") + await GetTextAsync(http, "/api/datasets/churn-long"));
        var modelAfter = JsonNode.Parse(await GetTextAsync(http, $"/api/models/{Model}"))!;
        Assert.Equal(5, modelAfter["versions"]!.AsArray().Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(modelBefore["versions"]![i]!.ToJsonString(), modelAfter["versions"]![i]!.ToJsonString());
        }

        Assert.Equal(modelBefore["aliases"]!.ToJsonString(), modelAfter["aliases"]!.ToJsonString());
        Assert.Equal(modelBefore["aliasHistory"]!.ToJsonString(), modelAfter["aliasHistory"]!.ToJsonString());
        Assert.Equal(expectedPrediction, Sorted(await PredictAsync(http))!.ToJsonString());

        // Every job ends: the resumed fit is cancelled, which frees the slot for the one queued behind it.
        Assert.Equal("cancelled", (await (await http.PostAsync($"/api/models/{Model}/versions/{running}/cancel", null)).ReadJsonAsync())["status"]!.GetValue<string>());
        Assert.Equal("succeeded", (await http.WaitForVersionAsync(Model, queued, TimeSpan.FromSeconds(150)))["status"]!.GetValue<string>());

        // "up" again starts only the missing silo; then the silo now hosting the model grain leaves gracefully.
        var started = await cluster.UpAsync();
        Assert.Contains($"starting silo {victimNumber} ", started);
        Assert.Single(started.Split('\n'), line => line.Contains("starting ", StringComparison.Ordinal));
        var host = await management.GetActivationAddress(client.GetGrain<IModelGrain>(Model))
            ?? throw new InvalidOperationException("The model grain is not active anywhere.");
        var leaving = cluster.SiloNumber(host);
        var pid = cluster.SiloPid(leaving);
        await using (var predictions = PredictionLoop.Start(ct => RestPredictAsync(http, ct), clock))
        await using (var mcpPredictions = PredictionLoop.Start(ct => McpPredictAsync(mcp, ct), clock))
        {
            await predictions.WaitForSuccessesAsync(20);
            await mcpPredictions.WaitForSuccessesAsync(10);
            var signalledAt = clock.Elapsed;
            await cluster.SignalSiloAsync(leaving, "TERM");
            while (LocalCluster.IsRunning(pid))
            {
                Assert.True(clock.Elapsed - signalledAt < TimeSpan.FromSeconds(40), "The silo did not stop within 40 s of SIGTERM.");
                await Task.Delay(50);
            }

            var left = clock.Elapsed - signalledAt;
            await predictions.WaitForSuccessAfterAsync(clock.Elapsed, TimeSpan.FromSeconds(30));
            await mcpPredictions.WaitForSuccessAfterAsync(clock.Elapsed, TimeSpan.FromSeconds(30));
            await predictions.WaitForSuccessesAsync(20);
            await mcpPredictions.WaitForSuccessesAsync(10);
            await predictions.StopAsync();
            await mcpPredictions.StopAsync();
            output.WriteLine(Invariant($"SIGTERM of silo {leaving} (model grain): it left in {left.TotalSeconds:F1} s; {predictions.Failures().Count} of {predictions.StartedBetween(signalledAt, clock.Elapsed)} REST and {mcpPredictions.Failures().Count} of {mcpPredictions.StartedBetween(signalledAt, clock.Elapsed)} MCP prediction requests failed; slowest {predictions.Slowest().TotalSeconds:F1} s (REST), {mcpPredictions.Slowest().TotalSeconds:F1} s (MCP)"));
            Assert.Empty(predictions.Failures());
            Assert.Empty(mcpPredictions.Failures());
        }

        await cluster.UpAsync();

        // Stop everything, PostgreSQL included, and start it again on the same data: the whole state is back.
        var snapshot = await SnapshotAsync(http);
        var stopping = Stopwatch.StartNew();
        await cluster.DownAsync();
        output.WriteLine(Invariant($"cluster.sh down took {stopping.Elapsed.TotalSeconds:F1} s"));
        var starting = Stopwatch.StartNew();
        await cluster.UpAsync();
        output.WriteLine(Invariant($"cluster.sh up on the kept data took {starting.Elapsed.TotalSeconds:F1} s"));
        var restored = await SnapshotAsync(http);
        Assert.Equal(snapshot.Keys, restored.Keys);
        foreach (var (what, json) in snapshot)
        {
            Assert.Equal(json, restored[what]);
        }

        Assert.Equal(expectedPrediction, Sorted(await PredictAsync(http))!.ToJsonString());
        Assert.All(restored, r => Assert.DoesNotContain("\"status\":\"queued\"", r.Value));
        Assert.All(restored, r => Assert.DoesNotContain("\"status\":\"running\"", r.Value));
    }

    private static async Task<string?> RestPredictAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var response = await http.PostJsonAsync($"/api/models/{Model}/predict", PredictionLoop.Request);
        return response.IsSuccessStatusCode ? null : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
    }

    private static async Task<string?> McpPredictAsync(McpClient client, CancellationToken cancellationToken)
    {
        var result = await client.CallToolAsync("predict", McpPredictArguments, cancellationToken: cancellationToken);
        return result.IsError is true ? string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text)) : null;
    }

    private static readonly Dictionary<string, object?> McpPredictArguments = new()
    {
        ["model"] = Model,
        ["rows"] = JsonSerializer.SerializeToElement(new[] { PredictionLoop.Row }),
    };

    private static Task<McpClient> ConnectMcpAsync(HttpClient http) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(http.BaseAddress!, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }));

    /// <summary>Everything a user can read back, by route.</summary>
    private static async Task<Dictionary<string, string>> SnapshotAsync(HttpClient http)
    {
        var routes = new List<string> { "/api/datasets", "/api/datasets/churn", "/api/datasets/churn-long", "/api/models", $"/api/models/{Model}" };
        routes.AddRange(Enumerable.Range(1, 5).Select(v => $"/api/models/{Model}/versions/{v}"));
        var snapshot = new Dictionary<string, string>();
        foreach (var route in routes)
        {
            snapshot[route] = await GetTextAsync(http, route);
        }

        return snapshot;
    }

    /// <summary>
    /// The answer to a GET, its object members sorted: a dictionary (metrics, aliases) comes out of each gateway
    /// process in its own order, and only the content has to survive.
    /// </summary>
    private static async Task<string> GetTextAsync(HttpClient http, string route)
    {
        using var response = await http.GetAsync(route);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {route}: {(int)response.StatusCode} {text}");
        return Sorted(JsonNode.Parse(text))?.ToJsonString() ?? "null";
    }

    /// <summary>The answer with its members in order and without prediction ids (every prediction gets its own).</summary>
    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Key != "predictionId").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };

    private static async Task<int> TrainAsync(HttpClient http, object request)
    {
        using var response = await http.PostJsonAsync($"/api/models/{Model}/train", request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadJsonAsync())["version"]!.GetValue<int>();
    }

    private static async Task SetAliasAsync(HttpClient http, string alias, int version, string reason)
    {
        using var response = await http.PutAsJsonAsync($"/api/models/{Model}/aliases/{alias}", new { version, reason });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<JsonNode> PredictAsync(HttpClient http)
    {
        using var response = await http.PostJsonAsync($"/api/models/{Model}/predict", PredictionLoop.Request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private static async Task<JsonNode> GetVersionAsync(HttpClient http, int version) =>
        await (await http.GetAsync($"/api/models/{Model}/versions/{version}")).ReadJsonAsync();

    private static async Task<JsonNode> WaitForStatusAsync(HttpClient http, int version, string status, int attempts = 1)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var node = await GetVersionAsync(http, version);
            if (node["status"]!.GetValue<string>() == status && node["attempts"]!.GetValue<int>() >= attempts)
            {
                return node;
            }

            Assert.True(DateTime.UtcNow < deadline, $"v{version} never reached {status}: {node.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Activates a grain on a given silo by calling it with a placement hint.</summary>
    private static async Task ActivateOnAsync(SiloAddress silo, Func<Task> call)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            await call();
        }
        catch (OrleansMlException)
        {
            // Not found yet: the activation exists all the same.
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    /// <summary>Waits until the grain directory shows the grain active on a silo other than <paramref name="dead"/>.</summary>
    private static async Task<SiloAddress> WaitForActivationElsewhereAsync(IManagementGrain management, IAddressable grain, SiloAddress dead, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await management.GetActivationAddress(grain).AsTask().WaitAsync(TimeSpan.FromSeconds(5)) is { } silo && !silo.Equals(dead))
                {
                    return silo;
                }
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException)
            {
                // The management grain or the directory partition may be failing over too.
            }

            Assert.True(DateTime.UtcNow < deadline, $"The grain was not re-activated within {timeout.TotalSeconds:F0} s.");
            await Task.Delay(500);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Sends a prediction through the gateway every 100 ms, however long earlier ones take (as independent users
    /// would), and records when each started, when it answered, and how.
    /// </summary>
    private sealed class PredictionLoop : IAsyncDisposable
    {
        public static readonly Dictionary<string, object> Row = new()
        {
            ["tenure_months"] = 2,
            ["monthly_charges"] = 95.5,
            ["contract"] = "month-to-month",
            ["internet"] = "fiber",
            ["support_calls"] = 5,
            ["paperless"] = "yes",
        };

        public static readonly object Request = new { rows = new[] { Row } };

        private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

        private readonly List<Outcome> _outcomes = [];
        private readonly List<Task> _requests = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Stopwatch _clock;
        private Task _loop = Task.CompletedTask;

        private PredictionLoop(Stopwatch clock) => _clock = clock;

        public static PredictionLoop Start(Func<CancellationToken, Task<string?>> predict, Stopwatch clock)
        {
            var loop = new PredictionLoop(clock);
            loop._loop = Task.Run(() => loop.RunAsync(predict));
            return loop;
        }

        public List<Outcome> Failures()
        {
            lock (_outcomes)
            {
                return _outcomes.Where(o => o.Error is not null).ToList();
            }
        }

        public int StartedBetween(TimeSpan from, TimeSpan to)
        {
            lock (_outcomes)
            {
                return _outcomes.Count(o => o.Start >= from && o.Start <= to);
            }
        }

        public TimeSpan Slowest()
        {
            lock (_outcomes)
            {
                return _outcomes.Max(o => o.End - o.Start);
            }
        }

        /// <summary>Waits for <paramref name="count"/> more successful predictions.</summary>
        public async Task WaitForSuccessesAsync(int count)
        {
            var from = _clock.Elapsed;
            await WaitAsync(() => _outcomes.Count(o => o.Error is null && o.Start >= from) >= count, TimeSpan.FromSeconds(60), "successful predictions");
        }

        /// <summary>Waits until a request sent at or after <paramref name="from"/> succeeds; returns when the first one answered.</summary>
        public async Task<TimeSpan> WaitForSuccessAfterAsync(TimeSpan from, TimeSpan timeout)
        {
            await WaitAsync(() => _outcomes.Any(o => o.Error is null && o.Start >= from), timeout, "a prediction to succeed");
            lock (_outcomes)
            {
                return _outcomes.Where(o => o.Error is null && o.Start >= from).Min(o => o.End);
            }
        }

        /// <summary>Stops sending and waits for every request in flight to answer.</summary>
        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            Task[] requests;
            lock (_requests)
            {
                requests = [.. _requests];
            }

            await Task.WhenAll(requests);
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }

        private async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
        {
            var deadline = _clock.Elapsed + timeout;
            while (true)
            {
                lock (_outcomes)
                {
                    if (condition())
                    {
                        return;
                    }
                }

                Assert.False(_loop.IsCompleted, $"The prediction loop stopped: {_loop.Exception}");
                Assert.True(_clock.Elapsed < deadline, $"No {what} within {timeout.TotalSeconds:F0} s; failures: {string.Join("; ", Failures().TakeLast(5).Select(f => f.Error))}");
                await Task.Delay(50);
            }
        }

        private async Task RunAsync(Func<CancellationToken, Task<string?>> predict)
        {
            using var timer = new PeriodicTimer(Interval);
            do
            {
                var request = PredictAsync(predict);
                lock (_requests)
                {
                    _requests.Add(request);
                }
            }
            while (await WaitForTickAsync(timer));
        }

        private async Task<bool> WaitForTickAsync(PeriodicTimer timer)
        {
            try
            {
                return await timer.WaitForNextTickAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        private async Task PredictAsync(Func<CancellationToken, Task<string?>> predict)
        {
            var start = _clock.Elapsed;
            string? error;
            try
            {
                error = await predict(CancellationToken.None);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or McpException)
            {
                error = $"{ex.GetType().Name}: {ex.Message}";
            }

            lock (_outcomes)
            {
                _outcomes.Add(new Outcome(start, _clock.Elapsed, error));
            }
        }

        public sealed record Outcome(TimeSpan Start, TimeSpan End, string? Error);
    }
}
