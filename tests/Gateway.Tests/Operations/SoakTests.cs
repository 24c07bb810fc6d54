using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using OrleansMl.Tests.Support;
using Xunit.Abstractions;

namespace OrleansMl.Gateway.Tests.Operations;

/// <summary>
/// One gateway process on loopback under a mix of uploads, trainings, predictions, promotions, rollbacks, deletes and
/// hostile requests. Afterwards: no answer was a 5xx, the process is alive, its memory stayed flat after warm-up
/// (within 20%), every job ended, and the artifact store holds exactly the files the kept data needs, nothing else.
/// <para>
/// The suite runs it for <see cref="DefaultSeconds"/> s; the full soak runs ten minutes:
/// <c>ORLEANSML_SOAK_SECONDS=600 dotnet test tests/Gateway.Tests -c Release --filter SoakTests --logger "console;verbosity=detailed"</c>.
/// </para>
/// </summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output) : IDisposable
{
    private const int DefaultSeconds = 60;
    private const int Workers = 6;
    private static readonly string ChurnCsv = File.ReadAllText(Path.Combine(RestApiTests.RepositoryRoot(), "samples", "churn.csv"));
    private static readonly string[] ChurnLines = ChurnCsv.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private readonly string _data = Directory.CreateTempSubdirectory("orleansml-soak-").FullName;
    private readonly ConcurrentDictionary<string, int> _answers = new();
    private readonly ConcurrentQueue<string> _serverErrors = new();

    private static TimeSpan Duration => TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("ORLEANSML_SOAK_SECONDS"), CultureInfo.InvariantCulture, out var s) && s > 0 ? s : DefaultSeconds);

    [Fact]
    public async Task MixedAndHostileTraffic_NoServerError_FlatMemory_EveryJobEnds_AndTheStoreHoldsOnlyWhatIsKept()
    {
        await using var gateway = await GatewayProcess.StartAsync(
            _data,
            "--OrleansMl:MaxUploadMegabytes=1",
            "--OrleansMl:MaxPredictionRows=100",
            "--OrleansMl:MaxQueuedTrainingsPerModel=2",
            "--OrleansMl:TrainingConcurrency=1",
            "--OrleansMl:TrainingThreads=1",
            "--OrleansMl:KeepVersions=3");
        var http = gateway.Http;
        Assert.Equal(HttpStatusCode.Created, (await http.PostCsvAsync("/api/datasets/soak", ChurnCsv)).StatusCode);
        var first = (await (await http.PostJsonAsync("/api/models/soak/train", Train("soak"))).ReadJsonAsync())["version"]!.GetValue<int>();
        Assert.Equal("succeeded", (await http.WaitForVersionAsync("soak", first, TimeSpan.FromMinutes(3)))["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync("/api/models/soak/aliases/production", new { version = first })).StatusCode);

        var clock = Stopwatch.StartNew();
        var memory = new List<(TimeSpan At, long Bytes)>();
        using var stop = new CancellationTokenSource(Duration);
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                memory.Add((clock.Elapsed, ResidentBytes(gateway.ProcessId)));
                await Task.Delay(1000, CancellationToken.None);
            }
        });
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(() => WorkAsync(http, w, stop.Token))));
        await sampler;

        Assert.False(gateway.HasExited, $"the gateway exited:\n{gateway.Log}");
        var unfinished = await WaitForJobsAsync(http, TimeSpan.FromMinutes(5));
        var store = await CheckStoreAsync(http);

        var afterWarmUp = Median(memory.Where(m => m.At >= Duration / 3 && m.At < Duration / 3 + Duration / 6));
        var atEnd = Median(memory.Where(m => m.At >= Duration - Duration / 6));
        output.WriteLine($"{Duration.TotalSeconds:F0} s, {_answers.Values.Sum()} requests: "
            + string.Join(", ", _answers.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key} {a.Value}")));
        output.WriteLine($"RSS after warm-up {afterWarmUp >> 20} MiB, at the end {atEnd >> 20} MiB, peak {memory.Max(m => m.Bytes) >> 20} MiB");
        output.WriteLine(store);

        Assert.True(_serverErrors.IsEmpty, "server errors:\n" + string.Join("\n", _serverErrors.Take(20)));
        Assert.True(unfinished.Count == 0, "jobs not ended: " + string.Join(", ", unfinished));
        Assert.True(atEnd <= afterWarmUp * 1.2, $"RSS grew from {afterWarmUp >> 20} MiB after warm-up to {atEnd >> 20} MiB");
        Assert.Contains(_answers.Keys, k => k.StartsWith("predict 200", StringComparison.Ordinal));
        Assert.Contains(_answers.Keys, k => k.StartsWith("train 202", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by the exiting process; the temp folder is cleaned by the system.
        }
    }

    private async Task WorkAsync(HttpClient http, int worker, CancellationToken stop)
    {
        var random = new Random(worker);
        while (!stop.IsCancellationRequested)
        {
            var roll = random.Next(100);
            var (kind, call) = roll switch
            {
                < 45 => ("predict", () => http.PostJsonAsync("/api/models/soak/predict", new { rows = Rows(random, random.Next(1, 50)) })),
                < 50 => ("upload", () => http.PostCsvAsync($"/api/datasets/soak-{random.Next(3)}", Sample(random))),
                < 56 => ("train", () => http.PostJsonAsync($"/api/models/soak-{random.Next(2)}/train", Train($"soak-{random.Next(3)}"))),
                < 60 => ("promote", () => PromoteNewestAsync(http)),
                < 63 => ("rollback", () => http.PostJsonAsync("/api/models/soak/aliases/production/rollback", new { reason = "soak" })),
                < 66 => ("list", () => http.GetAsync($"/api/models?limit={random.Next(1, 5)}")),
                < 68 => ("delete", () => http.DeleteAsync($"/api/models/soak-{random.Next(2)}/versions/{random.Next(1, 6)}")),
                _ => Hostile(http, random),
            };
            await SendAsync(kind, call, stop);
        }
    }

    private async Task SendAsync(string kind, Func<Task<HttpResponseMessage>> call, CancellationToken stop)
    {
        try
        {
            using var response = await call();
            _answers.AddOrUpdate($"{kind} {(int)response.StatusCode}", 1, (_, n) => n + 1);
            if ((int)response.StatusCode >= 500)
            {
                _serverErrors.Enqueue($"{kind}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
            }
        }
        catch (Exception ex) when (!stop.IsCancellationRequested)
        {
            _serverErrors.Enqueue($"{kind}: {ex.GetType().Name} {ex.Message}");
        }
        catch (OperationCanceledException)
        {
            // The soak ended while this request was under way.
        }
    }

    /// <summary>Requests that must each be refused with a 4xx, changing nothing.</summary>
    private static (string, Func<Task<HttpResponseMessage>>) Hostile(HttpClient http, Random random) => random.Next(12) switch
    {
        0 => ("hostile-content-type", () => http.PostAsync("/api/datasets/soak-x", new StringContent("{}", Encoding.UTF8, "application/json"))),
        1 => ("hostile-ragged-csv", () => http.PostCsvAsync("/api/datasets/soak-x", "a,b\n1,2,3\n4\n")),
        2 => ("hostile-too-large", () => http.PostCsvAsync("/api/datasets/soak-x", "a,b\n" + string.Concat(Enumerable.Repeat("1,2\n", 300_000)))),
        3 => ("hostile-overflow", () => http.PostAsync("/api/models/soak/predict", new StringContent("""{"rows":[{"tenure_months":1e400}]}""", Encoding.UTF8, "application/json"))),
        4 => ("hostile-unknown-model", () => http.PostJsonAsync("/api/models/nope/predict", new { rows = new[] { new { a = 1 } } })),
        5 => ("hostile-too-many-rows", () => http.PostJsonAsync("/api/models/soak/predict", new { rows = Rows(random, 101) })),
        6 => ("hostile-unknown-label", () => http.PostJsonAsync("/api/models/soak-x/train", new { dataset = "soak", label = "nope" })),
        7 => ("hostile-huge-trees", () => http.PostJsonAsync("/api/models/soak-x/train", new { dataset = "soak", label = "churned", parameters = new { trees = 1_000_000_000 } })),
        8 => ("hostile-bad-name", () => http.PostJsonAsync("/api/models/..%2Fetc/train", new { dataset = "soak", label = "churned" })),
        9 => ("hostile-bad-json", () => http.PostAsync("/api/models/soak/predict", new StringContent("{\"rows\":[{", Encoding.UTF8, "application/json"))),
        10 => ("hostile-bad-cursor", () => http.GetAsync("/api/models?cursor=not-a-cursor")),
        _ => ("hostile-delete-in-use", () => http.DeleteAsync("/api/datasets/soak/versions/1")),
    };

    private static async Task<HttpResponseMessage> PromoteNewestAsync(HttpClient http)
    {
        var model = await (await http.GetAsync("/api/models/soak")).ReadJsonAsync();
        var newest = model["versions"]!.AsArray().Where(v => v!["status"]!.GetValue<string>() == "succeeded").Select(v => v!["version"]!.GetValue<int>()).Max();
        return await http.PutAsJsonAsync("/api/models/soak/aliases/production", new { version = newest, reason = "soak" });
    }

    private static object Train(string dataset) =>
        new { dataset, label = "churned", algorithm = "fasttree", parameters = new { trees = 20, leaves = 8 } };

    /// <summary>A few hundred of the sample's rows, so uploads are sometimes new content and sometimes seen before.</summary>
    private static string Sample(Random random)
    {
        var start = 1 + (random.Next(4) * 200);
        return string.Join('\n', ChurnLines.Take(1).Concat(ChurnLines.Skip(start).Take(300))) + "\n";
    }

    private static List<Dictionary<string, object>> Rows(Random random, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => new Dictionary<string, object>
        {
            ["tenure_months"] = random.Next(1, 72),
            ["monthly_charges"] = Math.Round(20 + (random.NextDouble() * 100), 2),
            ["contract"] = random.Next(3) switch { 0 => "month-to-month", 1 => "one-year", _ => "two-year" },
            ["internet"] = random.Next(2) == 0 ? "fiber" : "dsl",
            ["support_calls"] = random.Next(0, 8),
            ["paperless"] = random.Next(2) == 0 ? "yes" : "no",
        })];

    /// <summary>Waits until no version of any model is queued or running; returns those that still are.</summary>
    private static async Task<List<string>> WaitForJobsAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var open = new List<string>();
            foreach (var name in await ModelNamesAsync(http))
            {
                var model = await (await http.GetAsync($"/api/models/{name}")).ReadJsonAsync();
                open.AddRange(model["versions"]!.AsArray()
                    .Where(v => v!["status"]!.GetValue<string>() is "queued" or "running")
                    .Select(v => $"{name} v{v!["version"]}"));
            }

            if (open.Count == 0 || DateTime.UtcNow > deadline)
            {
                return open;
            }

            await Task.Delay(1000);
        }
    }

    /// <summary>
    /// The artifact store's objects are exactly the content of the kept dataset versions and the model files of the kept
    /// versions, with nothing staged or half-written left behind.
    /// </summary>
    private async Task<string> CheckStoreAsync(HttpClient http)
    {
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        var datasets = await (await http.GetAsync("/api/datasets?limit=1000")).ReadJsonAsync();
        foreach (var name in datasets["datasets"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()))
        {
            var dataset = await (await http.GetAsync($"/api/datasets/{name}")).ReadJsonAsync();
            foreach (var version in dataset["versions"]!.AsArray().Where(v => v!["deletedAt"] is null))
            {
                expected[version!["contentHash"]!.GetValue<string>()] = version["sizeBytes"]!.GetValue<long>();
            }
        }

        var models = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in await ModelNamesAsync(http))
        {
            var model = await (await http.GetAsync($"/api/models/{name}")).ReadJsonAsync();
            foreach (var summary in model["versions"]!.AsArray().Where(v => v!["status"]!.GetValue<string>() == "succeeded"))
            {
                var version = await (await http.GetAsync($"/api/models/{name}/versions/{summary!["version"]}")).ReadJsonAsync();
                models.Add(version["artifactHash"]!.GetValue<string>());
            }
        }

        // Sweeps are not immediate: give reference counting a moment to remove what deletes released.
        var store = StoreRoot();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var objects = Directory.EnumerateFiles(Path.Combine(store, "objects"), "*", SearchOption.AllDirectories)
                .ToDictionary(f => Path.GetFileName(f), f => new FileInfo(f).Length, StringComparer.Ordinal);
            var wanted = expected.Keys.Concat(models).ToHashSet(StringComparer.Ordinal);
            var extra = objects.Keys.Where(k => !wanted.Contains(k)).ToList();
            var missing = wanted.Where(k => !objects.ContainsKey(k)).ToList();
            var staged = Directory.Exists(Path.Combine(store, "staging")) ? Directory.EnumerateFiles(Path.Combine(store, "staging")).Count() : 0;
            var sizesMatch = expected.All(e => !objects.TryGetValue(e.Key, out var size) || size == e.Value);
            if ((extra.Count == 0 && staged == 0) || DateTime.UtcNow > deadline)
            {
                Assert.True(missing.Count == 0, "missing from the store: " + string.Join(", ", missing));
                Assert.True(extra.Count == 0, "kept although nothing refers to it: " + string.Join(", ", extra));
                Assert.True(staged == 0, $"{staged} staged file(s) left behind");
                Assert.True(sizesMatch, "a dataset object's size differs from its version's sizeBytes");
                return $"store: {objects.Count} objects, {objects.Values.Sum() >> 10} KiB ({expected.Count} dataset versions, {models.Count} model files)";
            }

            await Task.Delay(1000);
        }
    }

    private string StoreRoot() =>
        Directory.EnumerateDirectories(_data, "objects", SearchOption.AllDirectories).Select(d => Path.GetDirectoryName(d)!).Single();

    private static async Task<List<string>> ModelNamesAsync(HttpClient http)
    {
        var list = await (await http.GetAsync("/api/models?limit=1000")).ReadJsonAsync();
        return [.. list["models"]!.AsArray().Select(m => m!["name"]!.GetValue<string>())];
    }

    private static long Median(IEnumerable<(TimeSpan At, long Bytes)> samples)
    {
        var sorted = samples.Select(s => s.Bytes).Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }

    private static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) << 10;
    }
}
