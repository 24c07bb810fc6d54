using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace OrleansMl.Gateway.Tests.Operations;

/// <summary>
/// Scaling out and in under load, with real processes (<c>scripts/cluster.sh scale</c>): silos 2 → 4 → 2 and gateways
/// 1 → 2 → 1 while predictions stream through the gateways and trainings keep arriving. No prediction may fail, every
/// job ends, and everything acknowledged reads back the same; the latency of each step is printed.
/// <para>
/// In the suite each step lasts <see cref="DefaultStepSeconds"/> s. The full run holds each step longer at a higher
/// rate: <c>ORLEANSML_SCALE_STEP_SECONDS=60 ORLEANSML_SCALE_RATE=50 dotnet test tests/Gateway.Tests -c Release --filter ScaleTests --logger "console;verbosity=detailed"</c>.
/// </para>
/// </summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class ScaleTests(ITestOutputHelper output)
{
    private const int DefaultStepSeconds = 8;
    private const int DefaultRate = 20;
    private static readonly string[] NewDatasets = ["churn-b", "churn-c"];
    private static readonly string ChurnCsv = File.ReadAllText(Path.Combine(RestApiTests.RepositoryRoot(), "samples", "churn.csv"));

    private static TimeSpan Step => TimeSpan.FromSeconds(Setting("ORLEANSML_SCALE_STEP_SECONDS", DefaultStepSeconds));

    private static int Rate => Setting("ORLEANSML_SCALE_RATE", DefaultRate);

    [Fact]
    public async Task ScalingSilosAndGateways_OutAndIn_FailsNoPrediction_EndsEveryJob_AndLosesNothing()
    {
        await using var cluster = await LocalCluster.StartAsync(silos: 2, gateways: 1, new Dictionary<string, string>
        {
            ["OrleansMl__TrainingConcurrency"] = "1",
            ["OrleansMl__TrainingThreads"] = "1",
        });
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
        Assert.Equal(HttpStatusCode.Created, (await http.PostCsvAsync("/api/datasets/churn", ChurnCsv)).StatusCode);
        var first = await TrainAsync(http, "churn");
        Assert.Equal("succeeded", (await http.WaitForVersionAsync("scaled", first))["status"]!.GetValue<string>());
        using (var promote = await http.PutAsJsonAsync("/api/models/scaled/aliases/production", new { version = first, reason = "baseline" }))
        {
            Assert.Equal(HttpStatusCode.OK, promote.StatusCode);
        }

        var expected = await PredictOnceAsync(http);
        var before = await SnapshotAsync(http, ["churn"]);
        var datasets = new List<string> { "churn" };
        var versions = new List<int> { first };
        output.WriteLine(Invariant($"{Rate} predictions/s through the gateways, a training every 2 s; each step held {Step.TotalSeconds:F0} s (provisional figures: a shared machine)"));

        await using var load = LoadLoop.Start(cluster, Rate);
        using var trainings = new CancellationTokenSource();
        var trainer = TrainContinuouslyAsync(http, datasets, versions, trainings.Token);
        var steps = new List<(string Name, TimeSpan From, TimeSpan To)>();

        async Task StepAsync(string name, Func<Task> change)
        {
            var from = load.Elapsed;
            await change();
            await Task.Delay(Step);
            steps.Add((name, from, load.Elapsed));
        }

        await StepAsync("2 silos, 1 gateway", () => Task.CompletedTask);
        await StepAsync("silos 2 -> 4", async () =>
        {
            await cluster.ScaleAsync(4, 1);
            // New datasets land on the new silos too, and so do the trainings on them.
            foreach (var name in NewDatasets)
            {
                Assert.Equal(HttpStatusCode.Created, (await http.PostCsvAsync($"/api/datasets/{name}", ChurnCsv)).StatusCode);
                lock (datasets)
                {
                    datasets.Add(name);
                }
            }
        });
        await StepAsync("gateways 1 -> 2", async () =>
        {
            await cluster.ScaleAsync(4, 2);
            load.UseGateways(2);
        });
        await StepAsync("gateways 2 -> 1", async () =>
        {
            // As the Service does with a terminating pod: no new requests to it, a pause (preStop), then SIGTERM.
            load.UseGateways(1);
            await Task.Delay(TimeSpan.FromSeconds(1));
            await cluster.ScaleAsync(4, 1);
        });
        await StepAsync("silos 4 -> 2", () => cluster.ScaleAsync(2, 1));

        await trainings.CancelAsync();
        await trainer;
        await load.StopAsync();

        foreach (var (name, from, to) in steps)
        {
            output.WriteLine($"{name,-20} {load.Describe(from, to)}");
        }

        foreach (var failure in load.Failures())
        {
            output.WriteLine(Invariant($"  failed at +{failure.Start.TotalSeconds:F1} s after {(failure.End - failure.Start).TotalSeconds:F1} s: {failure.Error}"));
        }

        Assert.Empty(load.Failures());

        // Every job ends (reading a job interrupted by a leaving silo resumes it at once), and each one succeeded.
        int[] submitted;
        lock (versions)
        {
            submitted = [.. versions];
        }

        var listed = JsonNode.Parse(await http.GetStringAsync("/api/models/scaled"))!["versions"]!.AsArray().Select(v => v!["version"]!.GetValue<int>()).ToList();
        Assert.Subset(listed.ToHashSet(), submitted.ToHashSet());
        foreach (var version in listed)
        {
            var status = (await http.WaitForVersionAsync("scaled", version, TimeSpan.FromMinutes(3)))["status"]!.GetValue<string>();
            Assert.True(status == "succeeded" || !submitted.Contains(version), $"v{version} ended {status}");
        }

        output.WriteLine($"{submitted.Length} training jobs acknowledged, all succeeded; {listed.Count} versions in all; datasets {string.Join(", ", datasets)}");

        // Nothing acknowledged was lost: the first dataset, the first version and the alias read back the same.
        var after = await SnapshotAsync(http, ["churn"]);
        Assert.Equal(before["/api/datasets/churn"], after["/api/datasets/churn"]);
        Assert.Equal(before["/api/models/scaled/versions/1"], after["/api/models/scaled/versions/1"]);
        var model = JsonNode.Parse(after["/api/models/scaled"])!;
        Assert.Equal(first, model["aliases"]!["production"]!.GetValue<int>());
        Assert.Equal(expected, await PredictOnceAsync(http));
    }

    private static async Task TrainContinuouslyAsync(HttpClient http, List<string> datasets, List<int> versions, CancellationToken cancellationToken)
    {
        for (var i = 0; !cancellationToken.IsCancellationRequested; i++)
        {
            string dataset;
            lock (datasets)
            {
                dataset = datasets[i % datasets.Count];
            }

            var version = await TrainAsync(http, dataset);
            lock (versions)
            {
                versions.Add(version);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task<int> TrainAsync(HttpClient http, string dataset)
    {
        // Training is not retried by the gateway; a request sent while a silo leaves may need a second try.
        for (var attempt = 1; ; attempt++)
        {
            using var response = await http.PostJsonAsync("/api/models/scaled/train", new { dataset, label = "churned", algorithm = "linear" });
            if (response.StatusCode == HttpStatusCode.Accepted || attempt == 3)
            {
                Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"train: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                return (await response.ReadJsonAsync())["version"]!.GetValue<int>();
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private static async Task<string> PredictOnceAsync(HttpClient http)
    {
        using var response = await http.PostJsonAsync("/api/models/scaled/predict", LoadLoop.Request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Every prediction gets its own id: the answer is compared without them.
        var predictions = (await response.ReadJsonAsync())["predictions"]!.AsArray();
        foreach (var prediction in predictions)
        {
            prediction!.AsObject().Remove("predictionId");
        }

        return predictions.ToJsonString();
    }

    private static async Task<Dictionary<string, string>> SnapshotAsync(HttpClient http, IEnumerable<string> datasets)
    {
        var snapshot = new Dictionary<string, string>();
        foreach (var route in datasets.Select(d => $"/api/datasets/{d}").Concat(["/api/models/scaled", "/api/models/scaled/versions/1"]))
        {
            using var response = await http.GetAsync(route);
            Assert.True(response.IsSuccessStatusCode, $"GET {route}: {(int)response.StatusCode}");
            snapshot[route] = Sorted(JsonNode.Parse(await response.Content.ReadAsStringAsync()))!.ToJsonString();
        }

        return snapshot;
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Predictions at a fixed rate, each one independent of the others (as separate users), spread over the gateways in
    /// use the way a Service spreads them; records when each started, how long it took, and how it ended.
    /// </summary>
    private sealed class LoadLoop : IAsyncDisposable
    {
        public static readonly object Request = new
        {
            rows = new[]
            {
                new Dictionary<string, object>
                {
                    ["tenure_months"] = 2,
                    ["monthly_charges"] = 95.5,
                    ["contract"] = "month-to-month",
                    ["internet"] = "fiber",
                    ["support_calls"] = 5,
                    ["paperless"] = "yes",
                },
            },
        };

        private readonly List<HttpClient> _gateways;
        private readonly List<Outcome> _outcomes = [];
        private readonly List<Task> _requests = [];
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly CancellationTokenSource _stop = new();
        private readonly TimeSpan _interval;
        private Task _loop = Task.CompletedTask;
        private int _inUse = 1;
        private long _sent;

        private LoadLoop(LocalCluster cluster, int rate)
        {
            _interval = TimeSpan.FromSeconds(1.0 / rate);
            _gateways = Enumerable.Range(1, 2).Select(g => new HttpClient { BaseAddress = cluster.GatewayAddress(g), Timeout = TimeSpan.FromSeconds(60) }).ToList();
        }

        public TimeSpan Elapsed => _clock.Elapsed;

        public static LoadLoop Start(LocalCluster cluster, int rate)
        {
            var loop = new LoadLoop(cluster, rate);
            loop._loop = loop.RunAsync();
            return loop;
        }

        /// <summary>Sends new requests to the first <paramref name="count"/> gateways only.</summary>
        public void UseGateways(int count) => Volatile.Write(ref _inUse, count);

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            Task[] pending;
            lock (_requests)
            {
                pending = [.. _requests];
            }

            await Task.WhenAll(pending);
        }

        public List<Outcome> Failures()
        {
            lock (_outcomes)
            {
                return _outcomes.Where(o => o.Error is not null).ToList();
            }
        }

        /// <summary>Count, failures and latency percentiles of the requests started in [from, to).</summary>
        public string Describe(TimeSpan from, TimeSpan to)
        {
            List<Outcome> window;
            lock (_outcomes)
            {
                window = _outcomes.Where(o => o.Start >= from && o.Start < to).ToList();
            }

            var latencies = window.Where(o => o.Error is null).Select(o => (o.End - o.Start).TotalMilliseconds).Order().ToList();
            double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
            return Invariant($"{window.Count,5} requests, {window.Count(o => o.Error is not null)} failed; p50 {P(0.5),6:F1} ms, p95 {P(0.95),6:F1} ms, p99 {P(0.99),7:F1} ms, max {(latencies.Count == 0 ? double.NaN : latencies[^1]),7:F1} ms");
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await StopAsync();
            }

            foreach (var gateway in _gateways)
            {
                gateway.Dispose();
            }

            _stop.Dispose();
        }

        private async Task RunAsync()
        {
            var next = _clock.Elapsed;
            while (!_stop.IsCancellationRequested)
            {
                var gateway = _gateways[(int)(Interlocked.Increment(ref _sent) % Volatile.Read(ref _inUse))];
                lock (_requests)
                {
                    _requests.Add(PredictAsync(gateway));
                }

                next += _interval;
                var wait = next - _clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(wait, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }

        private async Task PredictAsync(HttpClient http)
        {
            var start = _clock.Elapsed;
            string? error;
            try
            {
                using var response = await http.PostJsonAsync("/api/models/scaled/predict", Request);
                error = response.IsSuccessStatusCode ? null : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
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
