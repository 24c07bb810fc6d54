using System.Net;
using System.Net.Http.Json;
using OrleansMl.Tests.Support;

namespace OrleansMl.Gateway.Tests;

public sealed class RestartTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "orleansml-restart-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task KilledGateway_RestartsWithEverything_AndFinishesInterruptedJobs()
    {
        const string csv = "x1,x2,color,label\n";
        var rows = string.Concat(Enumerable.Range(0, 3000).Select(i =>
        {
            var (a, b) = ((i * 37 % 101 - 50) / 25.0, (i * 53 % 97 - 48) / 24.0);
            return FormattableString.Invariant($"{a},{b},{(a > 0 ? "red" : "blue")},{(a + b > 0 ? "yes" : "no")}\n");
        }));
        int running, queued;

        await using (var first = await GatewayProcess.StartAsync(_data, "--OrleansMl:TrainingConcurrency=1"))
        {
            var http = first.Http;
            Assert.Equal(HttpStatusCode.Created, (await http.PostCsvAsync("/api/datasets/restart-data", csv + rows)).StatusCode);
            await http.PostJsonAsync("/api/models/restart-model/train", new { dataset = "restart-data", label = "label", algorithm = "linear" });
            Assert.Equal("succeeded", (await http.WaitForVersionAsync("restart-model", 1))["status"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync("/api/models/restart-model/aliases/production", new { version = 1 })).StatusCode);

            var longFit = new { dataset = "restart-data", label = "label", algorithm = "fasttree", parameters = new Dictionary<string, double> { ["trees"] = 10000, ["leaves"] = 16 } };
            running = (await (await http.PostJsonAsync("/api/models/restart-model/train", longFit)).ReadJsonAsync())["version"]!.GetValue<int>();
            queued = (await (await http.PostJsonAsync("/api/models/restart-model/train", new { dataset = "restart-data", label = "label", algorithm = "lightgbm" })).ReadJsonAsync())["version"]!.GetValue<int>();
            await WaitForStatusAsync(http, running, "running");
            Assert.Equal("queued", (await (await http.GetAsync($"/api/models/restart-model/versions/{queued}")).ReadJsonAsync())["status"]!.GetValue<string>());

            await first.KillAsync();
        }

        await using var second = await GatewayProcess.StartAsync(_data, "--OrleansMl:TrainingConcurrency=1");
        var again = second.Http;
        var dataset = await (await again.GetAsync("/api/datasets/restart-data")).ReadJsonAsync();
        Assert.Equal(3000, dataset["versions"]![0]!["rows"]!.GetValue<int>());
        var model = await (await again.GetAsync("/api/models/restart-model")).ReadJsonAsync();
        Assert.Equal(1, model["aliases"]!["production"]!.GetValue<int>());
        Assert.Equal("succeeded", model["versions"]![0]!["status"]!.GetValue<string>());
        var prediction = await again.PostJsonAsync("/api/models/restart-model/predict", new { rows = new[] { new { x1 = 1.5, x2 = 1.5, color = "red" } } });
        Assert.Equal("yes", (await prediction.ReadJsonAsync())["predictions"]![0]!["label"]!.GetValue<string>());

        // The job that was running resumes (a second attempt); cancel it so the queued one gets the slot and completes.
        var resumed = await WaitForStatusAsync(again, running, "running", attempts: 2);
        Assert.Equal(2, resumed["attempts"]!.GetValue<int>());
        await again.PostAsync($"/api/models/restart-model/versions/{running}/cancel", null);
        var completed = await again.WaitForVersionAsync("restart-model", queued);
        Assert.Equal("succeeded", completed["status"]!.GetValue<string>());
        Assert.Equal("cancelled", (await (await again.GetAsync($"/api/models/restart-model/versions/{running}")).ReadJsonAsync())["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task KilledGateway_RestartsWithEveryAcknowledgedAppend()
    {
        const string header = "amount,plan\n";
        static string Rows(int from, int count) => string.Concat(Enumerable.Range(from, count).Select(i => FormattableString.Invariant($"{i % 97}.5,{(i % 3 == 0 ? "pro" : "basic")}\n")));
        string appendedHash;

        await using (var first = await GatewayProcess.StartAsync(_data))
        {
            var http = first.Http;
            Assert.Equal(HttpStatusCode.Created, (await http.PostCsvAsync("/api/datasets/restart-append", header + Rows(0, 2000))).StatusCode);
            var appended = await http.PostCsvAsync("/api/datasets/restart-append/rows", header + Rows(2000, 500));
            Assert.Equal(HttpStatusCode.Created, appended.StatusCode);
            appendedHash = (await appended.ReadJsonAsync())["contentHash"]!.GetValue<string>();

            // Killed right after the answer.
            await first.KillAsync();
        }

        await using var second = await GatewayProcess.StartAsync(_data);
        var again = second.Http;
        var version = await (await again.GetAsync("/api/datasets/restart-append/versions/2")).ReadJsonAsync();
        Assert.Equal((2500, appendedHash), (version["rows"]!.GetValue<int>(), version["contentHash"]!.GetValue<string>()));

        // Its rows are read back from the stored CSV: drift and a further append work on them.
        var drift = await (await again.GetAsync("/api/datasets/restart-append/versions/2/drift")).ReadJsonAsync();
        Assert.Equal((2500, 2000), (drift["rows"]!.GetValue<int>(), drift["againstRows"]!.GetValue<int>()));
        var next = await again.PostCsvAsync("/api/datasets/restart-append/rows", header + Rows(2500, 10));
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
        Assert.Equal(2510, (await next.ReadJsonAsync())["rows"]!.GetValue<int>());
    }

    [Fact]
    public async Task KilledGateway_RestartsWithEveryAcknowledgedFeatureValueAndEvent()
    {
        var now = DateTimeOffset.UtcNow;
        await using (var first = await GatewayProcess.StartAsync(_data))
        {
            var http = first.Http;
            var defined = await http.PutAsJsonAsync("/api/features/restart-features", new
            {
                key = "customer_id",
                ttl = "1.00:00:00",
                values = new object[] { new { name = "balance" }, new { name = "segment", kind = "categorical" } },
                aggregates = new[] { new { name = "tx_sum_1h", op = "sum", column = "amount", window = "01:00:00" } },
            });
            Assert.Equal(HttpStatusCode.OK, defined.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync("/api/features/restart-features/c-1", new { values = new { balance = 12.5, segment = "gold" } })).StatusCode);
            var events = Enumerable.Range(0, 200).Select(i => new { key = $"c-{i % 4}", timestamp = now.AddSeconds(-i), values = new { amount = (double)i } });
            var counts = await (await http.PostJsonAsync("/api/features/restart-features/events", new { events })).ReadJsonAsync();
            Assert.Equal(200, counts["accepted"]!.GetValue<int>());

            // Killed right after the answers: nothing is flushed on the way down.
            await first.KillAsync();
        }

        await using var second = await GatewayProcess.StartAsync(_data);
        var definition = await (await second.Http.GetAsync("/api/features/restart-features")).ReadJsonAsync();
        Assert.Equal("customer_id", definition["key"]!.GetValue<string>());
        var entity = await (await second.Http.GetAsync("/api/features/restart-features/c-1")).ReadJsonAsync();
        Assert.Equal(12.5, entity["values"]!["balance"]!["value"]!.GetValue<double>());
        Assert.Equal("gold", entity["values"]!["segment"]!["value"]!.GetValue<string>());
        Assert.Equal(Enumerable.Range(0, 200).Where(i => i % 4 == 1).Sum(), entity["aggregates"]!["tx_sum_1h"]!.GetValue<double>());
    }

    [Fact]
    public async Task KilledGateway_WhileEventBatchesArrive_KeepsEveryAcknowledgedBatch()
    {
        const int keysPerBatch = 25;
        const int eventsPerKey = 3;
        var now = DateTimeOffset.UtcNow;
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<int>();
        var sent = new System.Collections.Concurrent.ConcurrentBag<int>();
        await using (var first = await GatewayProcess.StartAsync(_data))
        {
            var http = first.Http;
            var defined = await http.PutAsJsonAsync("/api/features/restart-stream", new
            {
                key = "customer_id",
                ttl = "1.00:00:00",
                aggregates = new[] { new { name = "tx_count_1h", op = "count", column = "amount", window = "01:00:00" } },
            });
            Assert.Equal(HttpStatusCode.OK, defined.StatusCode);

            // Eight senders, each batch with keys of its own, so that many entities commit together.
            var next = -1;
            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var batch = Interlocked.Increment(ref next);
                    var events = Enumerable.Range(0, keysPerBatch * eventsPerKey).Select(i => new
                    {
                        key = $"b{batch}-k{i % keysPerBatch}",
                        timestamp = now.AddSeconds(-i),
                        values = new { amount = 1.0 },
                    });
                    sent.Add(batch);
                    try
                    {
                        var answer = await http.PostJsonAsync("/api/features/restart-stream/events", new { events });
                        if (answer.StatusCode == HttpStatusCode.OK)
                        {
                            Assert.Equal(keysPerBatch * eventsPerKey, (await answer.ReadJsonAsync())["accepted"]!.GetValue<int>());
                            acknowledged.Add(batch);
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                    {
                        return; // The process is gone.
                    }
                }
            })).ToArray();

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (acknowledged.Count < 40 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            // Killed while batches are in flight: whatever was answered 200 must be on disk.
            await first.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(senders);
        }

        Assert.True(acknowledged.Count >= 40, $"only {acknowledged.Count} batches were acknowledged before the deadline");
        await using var second = await GatewayProcess.StartAsync(_data);
        foreach (var batch in acknowledged)
        {
            foreach (var key in Enumerable.Range(0, keysPerBatch))
            {
                var entity = await (await second.Http.GetAsync($"/api/features/restart-stream/b{batch}-k{key}")).ReadJsonAsync();
                Assert.Equal(eventsPerKey, entity["aggregates"]!["tx_count_1h"]!.GetValue<double>());
            }
        }

        // A batch that was not answered may be partly stored, but each entity has all of its events or none.
        foreach (var batch in sent.Except(acknowledged))
        {
            foreach (var key in Enumerable.Range(0, keysPerBatch))
            {
                var entity = await (await second.Http.GetAsync($"/api/features/restart-stream/b{batch}-k{key}")).ReadJsonAsync();
                Assert.Contains(entity["aggregates"]!["tx_count_1h"]!.GetValue<double>(), new[] { 0.0, eventsPerKey });
            }
        }
    }

    [Fact]
    public async Task KilledGateway_BeforeAScheduleIsDue_RunsItOnceAfterTheRestart()
    {
        const string csv = "x1,x2,label\n";
        var rows = string.Concat(Enumerable.Range(0, 400).Select(i => FormattableString.Invariant($"{i % 17},{i % 5},{(i % 17 > 8 ? "yes" : "no")}\n")));
        DateTimeOffset due;
        await using (var first = await GatewayProcess.StartAsync(_data))
        {
            var http = first.Http;
            Assert.Equal(HttpStatusCode.Created, (await http.PostCsvAsync("/api/datasets/restart-schedule-data", csv + rows)).StatusCode);
            var set = await http.PutAsJsonAsync("/api/models/restart-schedule/schedule", new
            {
                every = "00:01:00",
                dataset = "restart-schedule-data",
                label = "label",
                algorithm = "linear",
                trigger = "always",
                then = "none",
            });
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            due = DateTimeOffset.Parse((await set.ReadJsonAsync())["nextRunAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(due > DateTimeOffset.UtcNow, $"the first run is due at {due:O}, already past");

            // Down before the due time, and still down when it passes.
            await first.KillAsync();
        }

        var downUntil = due + TimeSpan.FromSeconds(5);
        if (downUntil > DateTimeOffset.UtcNow)
        {
            await Task.Delay(downUntil - DateTimeOffset.UtcNow);
        }

        await using var second = await GatewayProcess.StartAsync(_data);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        System.Text.Json.Nodes.JsonArray runs;
        while (true)
        {
            runs = (await (await second.Http.GetAsync("/api/models/restart-schedule/schedule/runs")).ReadJsonAsync())["runs"]!.AsArray();
            if (runs.Count > 0 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(200);
        }

        var forDue = runs.Where(r => DateTimeOffset.Parse(r!["due"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) == due).ToList();
        Assert.True(forDue.Count == 1, $"expected one run for the due time {due:O}: {runs.ToJsonString()}");
        Assert.True(DateTimeOffset.Parse(forDue[0]!["startedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) > due);

        // The catch-up run is the only one for that due time, also after the restarted reminder's own first tick.
        var settled = DateTime.UtcNow + TimeSpan.FromSeconds(75);
        while (DateTime.UtcNow < settled)
        {
            await Task.Delay(1000);
        }

        runs = (await (await second.Http.GetAsync("/api/models/restart-schedule/schedule/runs")).ReadJsonAsync())["runs"]!.AsArray();
        Assert.Single(runs, r => DateTimeOffset.Parse(r!["due"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) == due);
        Assert.Equal(runs.Count, runs.Select(r => r!["due"]!.GetValue<string>()).Distinct().Count());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static async Task<System.Text.Json.Nodes.JsonNode> WaitForStatusAsync(HttpClient http, int version, string status, int attempts = 1)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var node = await (await http.GetAsync($"/api/models/restart-model/versions/{version}")).ReadJsonAsync();
            if (node["status"]!.GetValue<string>() == status && node["attempts"]!.GetValue<int>() >= attempts)
            {
                return node;
            }

            Assert.True(DateTime.UtcNow < deadline, $"v{version} never reached {status}: {node.ToJsonString()}");
            await Task.Delay(100);
        }
    }
}
