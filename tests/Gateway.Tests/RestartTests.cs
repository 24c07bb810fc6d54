using System.Net;
using System.Net.Http.Json;

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
