using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace OrleansMl.Gateway.Tests.Mcp;

[Collection(GatewayCollection.Name)]
public sealed class McpTrainingTests(GatewayFactory factory)
{
    private static readonly object[] Row = [new { x1 = 1.5, x2 = 0.5, color = "red" }];

    [Fact]
    public async Task TrainComparePromotePredictRollback_TheWholeConversationOverMcp()
    {
        await using var client = await factory.ConnectMcpAsync();
        var dataset = McpTestClient.Unique("conv-data");
        var model = McpTestClient.Unique("conv");
        await client.CallOkAsync("create_dataset", new { name = dataset, csv = McpTestClient.BinaryCsv() });

        var first = await client.CallOkAsync("train_model", new { model, dataset, label = "label", algorithm = "linear", wait = true });
        var second = await client.CallOkAsync("train_model", new { model, dataset, label = "label", algorithm = "lightgbm", wait = true });
        Assert.Equal("succeeded", first["status"]!.GetValue<string>());
        Assert.Equal("succeeded", second["status"]!.GetValue<string>());

        var comparison = await client.CallOkAsync("compare_versions", new { model, baseline = 1, candidate = 2 });
        Assert.Equal("auc", comparison["primaryMetric"]!.GetValue<string>());
        var logLoss = comparison["metrics"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == "logLoss")!;
        Assert.True(logLoss["lowerIsBetter"]!.GetValue<bool>());
        Assert.Equal(
            logLoss["candidate"]!.GetValue<double>() < logLoss["baseline"]!.GetValue<double>() ? 2 : 1,
            logLoss["better"]!.GetValue<int>());

        await client.CallOkAsync("promote_model", new { model, version = 1, reason = "baseline" });
        var promoted = await client.CallOkAsync("promote_model", new { model, version = 2, reason = "candidate" });
        Assert.Equal(1, promoted["change"]!["from"]!.GetValue<int>());
        var staging = await client.CallToolAsync("promote_model", McpTestClient.Arguments(new { model, version = 1, alias = "staging" }));
        Assert.Contains("predict with alias 'staging' now uses it", McpTestClient.Text(staging), StringComparison.Ordinal);
        Assert.DoesNotContain("without a version or alias now uses it", McpTestClient.Text(staging), StringComparison.Ordinal);
        var viaProduction = await client.CallOkAsync("predict", new { model, rows = Row });
        Assert.Equal(2, viaProduction["version"]!.GetValue<int>());
        Assert.Equal("production", viaProduction["alias"]!.GetValue<string>());
        Assert.Equal("yes", viaProduction["predictions"]![0]!["label"]!.GetValue<string>());

        var rolledBack = await client.CallOkAsync("rollback_model", new { model, reason = "worse in the field" });
        Assert.Equal(1, rolledBack["version"]!.GetValue<int>());
        var afterRollback = await client.CallOkAsync("predict", new { model, rows = Row });
        Assert.Equal(1, afterRollback["version"]!.GetValue<int>());
        Assert.Contains("no earlier version", await client.CallToolErrorAsync("rollback_model", new { model }), StringComparison.Ordinal);

        var described = await client.CallOkAsync("describe_model", new { model });
        Assert.Equal(1, described["aliases"]!["production"]!.GetValue<int>());
        Assert.Equal(["promote", "promote", "promote", "rollback"], described["aliasHistory"]!.AsArray().Select(h => h!["action"]!.GetValue<string>()));
        var listed = await client.CallOkAsync("list_models");
        Assert.Contains(listed["models"]!.AsArray(), m => m!["name"]!.GetValue<string>() == model && m["versionCount"]!.GetValue<int>() == 2);

        var card = JsonNode.Parse(((TextResourceContents)(await client.ReadResourceAsync($"model://{model}/versions/2")).Contents[0]).Text)!;
        Assert.Equal(dataset, card["spec"]!["dataset"]!.GetValue<string>());
        Assert.Equal(1, card["spec"]!["datasetVersion"]!.GetValue<int>());
        Assert.NotNull(card["metrics"]!["auc"]);
        Assert.True(card["timings"]!["totalMs"]!.GetValue<double>() > 0);
        var modelResource = JsonNode.Parse(((TextResourceContents)(await client.ReadResourceAsync($"model://{model}")).Contents[0]).Text)!;
        Assert.Equal(2, modelResource["versions"]!.AsArray().Count);
        Assert.Contains(await client.ListResourcesAsync(), r => r.Uri == $"model://{model}");
    }

    [Fact]
    public async Task TrainModel_WithWait_SendsProgressUntilTheJobEnds_AndSaysWhatToCallNext()
    {
        await using var client = await factory.ConnectMcpAsync();
        var dataset = McpTestClient.Unique("prog-data");
        await client.CallOkAsync("create_dataset", new { name = dataset, csv = McpTestClient.BinaryCsv() });
        var progress = new Collector();

        var result = await client.CallToolAsync("train_model",
            McpTestClient.Arguments(new { model = McpTestClient.Unique("prog"), dataset, label = "label", algorithm = "lightgbm", wait = true }), progress);

        Assert.True(result.IsError is not true, McpTestClient.Text(result));
        var version = JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!;
        Assert.Equal("succeeded", version["status"]!.GetValue<string>());
        Assert.True(version["metrics"]!["auc"]!.GetValue<double>() > 0.8);
        Assert.Contains("promote_model", McpTestClient.Text(result), StringComparison.Ordinal);
        // The C# client hands each incoming notification to its handler on its own, so two that arrive in one read may
        // be reported in either order, and one it processes after the result may be dropped (the call's handler is gone
        // by then): the exact sequence is checked on the wire below; here: what did arrive is well-formed.
        var reports = progress.Reports;
        Assert.NotEmpty(reports);
        Assert.All(reports, r => Assert.InRange(r.Progress, 0, 100));
        Assert.All(reports, r => Assert.Equal(100, r.Total));
    }

    [Fact]
    public async Task TrainModel_WithWait_StreamsProgressFromQueuedToDone_ThenTheResult_OnOneResponse()
    {
        await using var client = await factory.ConnectMcpAsync();
        var dataset = McpTestClient.Unique("wire-data");
        await client.CallOkAsync("create_dataset", new { name = dataset, csv = McpTestClient.BinaryCsv() });
        var call = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 7,
            ["method"] = "tools/call",
            ["params"] = new JsonObject
            {
                ["name"] = "train_model",
                ["arguments"] = new JsonObject
                {
                    ["model"] = McpTestClient.Unique("wire"), ["dataset"] = dataset, ["label"] = "label", ["algorithm"] = "linear", ["wait"] = true,
                },
                ["_meta"] = new JsonObject { ["progressToken"] = "train-1" },
            },
        };
        using var http = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(call.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");

        var body = await (await http.SendAsync(request)).Content.ReadAsStringAsync();

        var messages = body.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l[6..])!).ToList();
        var notifications = messages.TakeWhile(m => m["method"] is not null).ToList();
        Assert.All(notifications, n =>
        {
            Assert.Equal("notifications/progress", n["method"]!.GetValue<string>());
            Assert.Equal("train-1", n["params"]!["progressToken"]!.GetValue<string>());
        });
        Assert.True(notifications.Count >= 2, body);
        var progress = notifications.Select(n => n["params"]!["progress"]!.GetValue<double>()).ToList();
        Assert.Equal(progress.Order(), progress);
        Assert.StartsWith("queued", notifications[0]["params"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("done", notifications[^1]["params"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(100, progress[^1]);
        var result = Assert.Single(messages.Skip(notifications.Count));
        Assert.Equal("succeeded", result["result"]!["structuredContent"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task TrainModel_WithoutWait_AnswersQueuedAtOnce_AndPointsToGetTrainingStatus()
    {
        await using var client = await factory.ConnectMcpAsync();
        var dataset = McpTestClient.Unique("nowait-data");
        var model = McpTestClient.Unique("nowait");
        await client.CallOkAsync("create_dataset", new { name = dataset, csv = McpTestClient.BinaryCsv(100) });

        var result = await client.CallToolAsync("train_model", McpTestClient.Arguments(new { model, dataset, label = "label", algorithm = "linear" }));

        var version = JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!;
        Assert.Equal("queued", version["status"]!.GetValue<string>());
        Assert.Equal(1, version["version"]!.GetValue<int>());
        Assert.Contains("get_training_status", McpTestClient.Text(result), StringComparison.Ordinal);
        Assert.Equal("succeeded", (await client.WaitForVersionAsync(model, 1))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task CancellingAWaitingTrainModel_EndsTheCallButNotTheJob_AndCancelTrainingStopsIt()
    {
        await using var client = await factory.ConnectMcpAsync();
        var dataset = McpTestClient.Unique("cancel-data");
        var model = McpTestClient.Unique("cancel");
        await client.CallOkAsync("create_dataset", new { name = dataset, csv = McpTestClient.BinaryCsv(3000) });
        using var cancellation = new CancellationTokenSource();
        var progress = new Collector(_ => cancellation.Cancel());
        var arguments = McpTestClient.Arguments(new
        {
            model, dataset, label = "label", algorithm = "fasttree", wait = true,
            parameters = new Dictionary<string, double> { ["trees"] = 10_000, ["leaves"] = 4 },
        });

        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            client.CallToolAsync("train_model", arguments, progress, cancellationToken: cancellation.Token).AsTask());

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), "the cancelled call should end promptly");
        var status = await client.CallOkAsync("get_training_status", new { model, version = 1 });
        Assert.True(status["status"]!.GetValue<string>() is "queued" or "running", status.ToJsonString());
        var cancelled = await client.CallOkAsync("cancel_training", new { model, version = 1 });
        Assert.Equal("cancelled", cancelled["status"]!.GetValue<string>());
        Assert.Equal("cancelled", (await client.CallOkAsync("get_training_status", new { model, version = 1 }))["status"]!.GetValue<string>());
        var predict = await client.CallToolErrorAsync("predict", new { model, version = 1, rows = Row });
        Assert.Contains("cancelled", predict, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedVersion_ReportsItsError_AndCanNeitherServeNorBePromoted()
    {
        await using var client = await factory.ConnectMcpAsync();
        var dataset = McpTestClient.Unique("fail-data");
        var model = McpTestClient.Unique("fail");
        var csv = "x1,x2,label,same\n" + string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{i},{i * 7919 % 13},{((i * 31) % 7 < 3 ? "a" : "b")},c\n"));
        await client.CallOkAsync("create_dataset", new { name = dataset, csv });

        // A label with one value is refused when asked (nothing is allocated); a fit past its time budget fails.
        var refused = await client.CallToolErrorAsync("train_model", new { model, dataset, label = "same", algorithm = "linear" });
        var result = await client.CallToolAsync("train_model", McpTestClient.Arguments(new
        {
            model, dataset, label = "label", algorithm = "fasttree", wait = true,
            parameters = new Dictionary<string, double> { ["trees"] = 10_000, ["leaves"] = 16, ["timeBudgetSeconds"] = 0.5 },
        }));

        Assert.Contains("only one value", refused, StringComparison.Ordinal);
        var version = JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!;
        Assert.Equal("failed", version["status"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(version["error"]!.GetValue<string>()));
        Assert.Contains("failed", McpTestClient.Text(result), StringComparison.Ordinal);
        Assert.Contains("time limit of 0.5 s reached", version["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var predict = await client.CallToolErrorAsync("predict", new { model, version = 1, rows = new[] { new { x1 = 1, x2 = 2 } } });
        Assert.Contains("failed", predict, StringComparison.Ordinal);
        Assert.Contains("get_training_status", predict, StringComparison.Ordinal);
        var promote = await client.CallToolErrorAsync("promote_model", new { model, version = 1 });
        Assert.Contains("only a succeeded version", promote, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_WithMissingOrWronglyTypedColumns_IsAToolErrorNamingTheColumn()
    {
        await using var client = await factory.ConnectMcpAsync();
        var dataset = McpTestClient.Unique("cols-data");
        var model = McpTestClient.Unique("cols");
        await client.CallOkAsync("create_dataset", new { name = dataset, csv = McpTestClient.BinaryCsv(100) });
        await client.CallOkAsync("train_model", new { model, dataset, label = "label", algorithm = "linear", wait = true });

        var missing = await client.CallToolErrorAsync("predict", new { model, rows = new[] { new { x1 = 1.0, color = "red" } } });
        var wrongType = await client.CallToolErrorAsync("predict", new { model, rows = new[] { new { x1 = "tall", x2 = 1.0, color = "red" } } });

        Assert.Contains("x2", missing, StringComparison.Ordinal);
        Assert.Contains("x1", wrongType, StringComparison.Ordinal);
        Assert.Contains("signature.inputs", wrongType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownVersionsOfAnExistingModel_AreToolErrorsPointingToDescribeModel()
    {
        await using var client = await factory.ConnectMcpAsync();
        var dataset = McpTestClient.Unique("ver-data");
        var model = McpTestClient.Unique("ver");
        await client.CallOkAsync("create_dataset", new { name = dataset, csv = McpTestClient.BinaryCsv(100) });
        await client.CallOkAsync("train_model", new { model, dataset, label = "label", algorithm = "linear" });

        var errors = new[]
        {
            await client.CallToolErrorAsync("get_training_status", new { model, version = 9 }),
            await client.CallToolErrorAsync("cancel_training", new { model, version = 9 }),
            await client.CallToolErrorAsync("compare_versions", new { model, baseline = 1, candidate = 9 }),
            await client.CallToolErrorAsync("promote_model", new { model, version = 9 }),
            await client.CallToolErrorAsync("predict", new { model, version = 9, rows = Row }),
        };

        Assert.All(errors, e => Assert.Contains("has no version 9", e, StringComparison.Ordinal));
        Assert.All(errors, e => Assert.Contains("describe_model", e, StringComparison.Ordinal));
        await client.WaitForVersionAsync(model, 1);
    }

    /// <summary>Records progress notifications as they arrive (inline, unlike <see cref="Progress{T}"/>).</summary>
    private sealed class Collector(Action<ProgressNotificationValue>? onReport = null) : IProgress<ProgressNotificationValue>
    {
        private readonly ConcurrentQueue<ProgressNotificationValue> _reports = new();

        public void Report(ProgressNotificationValue value)
        {
            _reports.Enqueue(value);
            onReport?.Invoke(value);
        }

        public List<ProgressNotificationValue> Reports => [.. _reports];
    }
}
