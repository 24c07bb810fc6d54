using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Orleans.Runtime.Placement;
using Xunit.Abstractions;

namespace OrleansMl.Gateway.Tests.Operations;

/// <summary>
/// A silo's crash must not disturb work on the silos that survive it. With Orleans' default grain directory, the
/// directory entries a dead silo held for activations elsewhere die with it, and those activations are deactivated:
/// training jobs running or queued on healthy silos restarted from scratch. The strongly consistent in-cluster
/// directory recovers those entries from the survivors instead.
/// </summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class SiloLossTests(ITestOutputHelper output)
{
    private const int QueuedPerSilo = 4;
    // The churn sample forty times over (48,000 rows), so that a fit of 10,000 trees of 100 leaves on one thread takes
    // minutes: the "running" job is still running when the silo dies, and until it is cancelled.
    private static readonly string ChurnCsv = LongFit.Repeated(File.ReadAllText(Path.Combine(RestApiTests.RepositoryRoot(), "samples", "churn.csv")), 40);

    [Fact]
    public async Task KilledSilo_LeavesJobsOnSurvivingSilosUndisturbed()
    {
        // One training slot and one thread per silo: a long fit runs and the jobs behind it wait, cheaply.
        await using var cluster = await LocalCluster.StartAsync(silos: 3, gateways: 1, new Dictionary<string, string>
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
        var client = await cluster.ConnectClientAsync();
        var management = client.GetGrain<IManagementGrain>(0);
        var silos = (await management.GetHosts(onlyActive: true)).Keys.ToDictionary(cluster.SiloNumber);
        Assert.Equal(3, silos.Count);
        const int victim = 3;
        int[] survivors = [1, 2];

        // On each survivor: a dataset, and a model whose jobs train there (a version trains on its dataset's silo).
        var jobs = new List<Job>();
        foreach (var silo in survivors)
        {
            var name = $"on-silo-{silo}";
            await ActivateOnAsync(silos[silo], () => client.GetGrain<IDatasetGrain>(name).GetAsync());
            Assert.Equal(HttpStatusCode.Created, (await http.PostCsvAsync($"/api/datasets/{name}", ChurnCsv)).StatusCode);
            var running = await TrainAsync(http, name, new
            {
                dataset = name,
                label = "churned",
                algorithm = LongFit.Algorithm,
                parameters = LongFit.Parameters,
            });
            jobs.Add(new Job(silo, name, running, "running"));
            for (var i = 0; i < QueuedPerSilo; i++)
            {
                jobs.Add(new Job(silo, name, await TrainAsync(http, name, new { dataset = name, label = "churned", algorithm = "linear" }), "queued"));
            }
        }

        foreach (var job in jobs)
        {
            await WaitForStatusAsync(http, job, job.Status);
            Assert.Equal(silos[job.Silo], await management.GetActivationAddress(client.GetModelVersion(job.Model, job.Version)));
        }

        var resumesBefore = await ResumesAsync(cluster, survivors);
        var progressBefore = new Dictionary<Job, double>();
        foreach (var job in jobs.Where(j => j.Status == "running"))
        {
            progressBefore[job] = (await GetVersionAsync(http, job))["progress"]!.GetValue<double>();
        }

        // SIGKILL: the survivors notice, declare it dead, and their directories take over its share.
        var clock = Stopwatch.StartNew();
        await cluster.SignalSiloAsync(victim, "KILL");
        while ((await RetryAsync(() => management.GetHosts(onlyActive: true))).ContainsKey(silos[victim]))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "The killed silo was not declared dead within 60 s.");
            await Task.Delay(250);
        }

        var declaredDead = clock.Elapsed;

        // Time for anything the loss would disturb to be disturbed, then every job is read back.
        await Task.Delay(TimeSpan.FromSeconds(15));
        var disturbed = new List<string>();
        foreach (var job in jobs)
        {
            var node = await GetVersionAsync(http, job);
            var where = await RetryAsync(() => management.GetActivationAddress(client.GetModelVersion(job.Model, job.Version)).AsTask());
            var ok = node["status"]!.GetValue<string>() == job.Status
                && node["attempts"]!.GetValue<int>() == (job.Status == "running" ? 1 : 0)
                && silos[job.Silo].Equals(where);
            if (!ok)
            {
                disturbed.Add($"{job.Model} v{job.Version} ({job.Status} on silo {job.Silo}): now {node["status"]} attempt {node["attempts"]} on {where}");
            }
        }

        var resumed = await ResumesAsync(cluster, survivors) - resumesBefore;
        output.WriteLine(Invariant($"SIGKILL of silo {victim}: declared dead after {declaredDead.TotalSeconds:F1} s; {disturbed.Count} of {jobs.Count} jobs on the surviving silos disturbed, {resumed} restarted by a new activation"));
        foreach (var line in disturbed)
        {
            output.WriteLine("  " + line);
        }

        Assert.Empty(disturbed);
        Assert.Equal(0, resumed);

        // The running jobs kept going.
        foreach (var (job, before) in progressBefore)
        {
            var after = (await GetVersionAsync(http, job))["progress"]!.GetValue<double>();
            Assert.True(after >= before, Invariant($"{job.Model} v{job.Version} went back from {before} to {after}"));
        }

        // Every job ends: cancelling the long fits lets the queued jobs run to the end.
        foreach (var job in jobs.Where(j => j.Status == "running"))
        {
            using var cancel = await http.PostAsync($"/api/models/{job.Model}/versions/{job.Version}/cancel", null);
            Assert.Equal("cancelled", (await cancel.ReadJsonAsync())["status"]!.GetValue<string>());
        }

        foreach (var job in jobs.Where(j => j.Status == "queued"))
        {
            Assert.Equal("succeeded", (await http.WaitForVersionAsync(job.Model, job.Version, TimeSpan.FromSeconds(120)))["status"]!.GetValue<string>());
        }
    }

    /// <summary>
    /// A management call that may land on the silo that was just killed: such a call waits for Orleans' response
    /// timeout, so each attempt is cut short and tried again.
    /// </summary>
    private static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                return await call().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>Jobs picked up again by a new activation, summed over the given silos' <c>/metrics</c>.</summary>
    private static async Task<double> ResumesAsync(LocalCluster cluster, IEnumerable<int> silos)
    {
        var total = 0.0;
        foreach (var silo in silos)
        {
            var scrape = await PrometheusText.ScrapeAsync(cluster.Http, new Uri(cluster.SiloHttpAddress(silo), "/metrics"));
            total += scrape.Sum("orleansml_training_resumes_total");
        }

        return total;
    }

    private static async Task<int> TrainAsync(HttpClient http, string model, object request)
    {
        using var response = await http.PostJsonAsync($"/api/models/{model}/train", request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadJsonAsync())["version"]!.GetValue<int>();
    }

    private static async Task<JsonNode> GetVersionAsync(HttpClient http, Job job) =>
        await (await http.GetAsync($"/api/models/{job.Model}/versions/{job.Version}")).ReadJsonAsync();

    private static async Task WaitForStatusAsync(HttpClient http, Job job, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var node = await GetVersionAsync(http, job);
            if (node["status"]!.GetValue<string>() == status)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{job.Model} v{job.Version} never reached {status}: {node.ToJsonString()}");
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

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Job(int Silo, string Model, int Version, string Status);
}
