using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests;

/// <summary>The rollout, feedback, health and alias-guard routes and tools, through the gateway with real models.</summary>
[Collection(GatewayCollection.Name)]
public sealed class RolloutRouteTests(GatewayFactory factory)
{
    private static readonly int[] OneRow = [1];
    private static readonly double[] MinusOne = [-1.0];
    private static readonly string[] Blue = ["blue"];
    private static readonly int[] NoHundred = [10, 50];
    private static readonly int[] TwoSteps = [20, 100];
    private static readonly int[] HalfThenAll = [50, 100];

    private readonly HttpClient _http = factory.CreateClient();

    [Fact]
    public async Task Predictions_CarryIds_ThatFeedbackJoins_AndHealthReports()
    {
        var model = await TrainAsync("linear", "lightgbm");
        var row = new { x1 = 1.5, x2 = 0.5, color = "red" };

        var predicted = await (await _http.PostJsonAsync($"/api/models/{model}/predict", new { rows = new[] { row, row } })).ReadJsonAsync();
        var ids = predicted["predictions"]!.AsArray().Select(p => p!["predictionId"]!.GetValue<string>()).ToList();
        var infer = await (await _http.PostJsonAsync($"/v2/models/{model}/infer", new
        {
            inputs = new object[]
            {
                new { name = "x1", shape = OneRow, datatype = "FP64", data = MinusOne },
                new { name = "x2", shape = OneRow, datatype = "FP64", data = MinusOne },
                new { name = "color", shape = OneRow, datatype = "BYTES", data = Blue },
            },
        })).ReadJsonAsync();
        var inferId = infer["parameters"]!["predictionIds"]![0]!.GetValue<string>();
        var feedback = await _http.PostJsonAsync($"/api/models/{model}/feedback", new
        {
            items = new object[]
            {
                new { predictionId = ids[0], actual = "yes" },
                new { predictionId = ids[1], actual = "yes" },
                new { predictionId = inferId, actual = "no" },
                new { predictionId = ids[0], actual = "yes" },
                new { predictionId = "not-an-id", actual = "yes" },
            },
        });
        var bad = await _http.PostJsonAsync($"/api/models/{model}/feedback", new { items = new object[] { new { predictionId = ids[0] } } });
        var ghost = await _http.PostJsonAsync($"/api/models/ghost-{Guid.NewGuid():N}"[..30] + "/feedback", new { items = new object[] { new { predictionId = ids[0], actual = "yes" } } });

        Assert.Equal(2, predicted["version"]!.GetValue<int>());
        Assert.Equal(2, ids.Distinct().Count());
        Assert.Equal(2, infer["parameters"]!["version"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Accepted, feedback.StatusCode);
        var counts = await feedback.ReadJsonAsync();
        Assert.Equal((3, 1, 0, 1), (counts["accepted"]!.GetValue<int>(), counts["unknown"]!.GetValue<int>(), counts["expired"]!.GetValue<int>(), counts["duplicate"]!.GetValue<int>()));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("items[0].actual", (await bad.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, ghost.StatusCode);

        var health = await PollAsync($"/api/models/{model}/health", h => h["versions"]!.AsArray().Any(v => v!["windows"]![0]!["requests"]!.GetValue<long>() >= 2));
        var window = health["versions"]!.AsArray().Single(v => v!["version"]!.GetValue<int>() == 2)!["windows"]![0]!;
        Assert.Equal("5m", window["window"]!.GetValue<string>());
        Assert.Equal(3, window["labelled"]!.GetValue<long>());
        Assert.Equal(1.0, window["accuracy"]!.GetValue<double>());
        Assert.Equal(3, window["labels"]!.AsObject().Sum(l => l.Value!.GetValue<long>()));
    }

    [Fact]
    public async Task Rollout_StartsReadsAndAborts_AndBadRequestsSayWhy()
    {
        var model = await TrainAsync("linear", "lightgbm");
        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 })).StatusCode);

        var noRollout = await _http.GetAsync($"/api/models/{model}/rollout");
        var noCandidate = await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { mode = "canary" });
        var badMode = await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { candidate = 2, mode = "blue-green" });
        var badSteps = await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { candidate = 2, steps = NoHundred });
        var noSteps = await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { candidate = 2, steps = Array.Empty<int>() });
        var badGuard = await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { candidate = 2, guard = new { metric = "accuracy", max = 0.9 } });
        var sameVersion = await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { candidate = 1 });
        var started = await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new
        {
            candidate = 2, weight = 20, steps = TwoSteps, stickyBy = "color",
            stepAfter = new { samples = 1000, duration = "00:10:00" },
            guard = new { metric = "accuracy", maxDrop = 0.02, minSamples = 50 },
        });
        var again = await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { candidate = 2 });
        var running = await (await _http.GetAsync($"/api/models/{model}/rollout")).ReadJsonAsync();
        var aborted = await (await _http.DeleteAsync($"/api/models/{model}/rollout")).ReadJsonAsync();
        var abortAgain = await _http.DeleteAsync($"/api/models/{model}/rollout");

        Assert.Equal(HttpStatusCode.NotFound, noRollout.StatusCode);
        await AssertBadAsync(noCandidate, "candidate is required");
        await AssertBadAsync(badMode, "mode 'blue-green' is not one of canary, shadow");
        await AssertBadAsync(badSteps, "steps must end at 100");
        await AssertBadAsync(noSteps, "steps is empty");
        await AssertBadAsync(badGuard, "guard.maxDrop is required for accuracy");
        await AssertBadAsync(sameVersion, "already points at version 1");
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already has a rollout running", (await again.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(("running", 20, 1, 2, "color"), (running["status"]!.GetValue<string>(), running["weight"]!.GetValue<int>(),
            running["baseline"]!.GetValue<int>(), running["candidate"]!.GetValue<int>(), running["stickyBy"]!.GetValue<string>()));
        Assert.Equal(["baseline", "candidate"], running["arms"]!.AsArray().Select(a => a!["arm"]!.GetValue<string>()));
        Assert.Equal("start", running["decisions"]![0]!["action"]!.GetValue<string>());
        Assert.Equal(("aborted", 0), (aborted["status"]!.GetValue<string>(), aborted["weight"]!.GetValue<int>()));
        Assert.Equal(HttpStatusCode.NotFound, abortAgain.StatusCode);
        var info = await (await _http.GetAsync($"/api/models/{model}")).ReadJsonAsync();
        Assert.Equal(1, info["aliases"]!["production"]!.GetValue<int>());
    }

    [Fact]
    public async Task AbortRollout_TakesItsReasonFromTheQueryOrAJsonBody_AndRefusesTwoDifferentReasons()
    {
        var model = await TrainAsync("linear", "linear");
        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { candidate = 2, mode = "shadow" })).StatusCode);

        var twoReasons = await DeleteAsync($"/api/models/{model}/rollout?reason=from-query", """{"reason":"from-body"}""");
        var unknownField = await DeleteAsync($"/api/models/{model}/rollout", """{"why":"drift"}""");
        var twice = await _http.DeleteAsync($"/api/models/{model}/rollout?reason=a&reason=b");
        var running = await (await _http.GetAsync($"/api/models/{model}/rollout")).ReadJsonAsync();
        var aborted = await DeleteAsync($"/api/models/{model}/rollout?reason=latency%20regression", """{"reason":"latency regression"}""");

        await AssertBadAsync(twoReasons, "reason is given twice, in the query ('from-query') and in the body ('from-body'); give it once.");
        await AssertBadAsync(unknownField, "Unknown field 'why' in the request body; its fields are: reason.");
        await AssertBadAsync(twice, "Query parameter 'reason' is given 2 times; give it once.");
        Assert.Equal("running", running["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, aborted.StatusCode);
        var decision = (await aborted.ReadJsonAsync())["decisions"]!.AsArray()[^1]!;
        Assert.Equal(("abort", "latency regression"), (decision["action"]!.GetValue<string>(), decision["reason"]!.GetValue<string>()));

        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { candidate = 2, mode = "shadow" })).StatusCode);
        var fromBody = await (await DeleteAsync($"/api/models/{model}/rollout", """{"reason":"a reason in the body"}""")).ReadJsonAsync();
        Assert.Equal("a reason in the body", fromBody["decisions"]!.AsArray()[^1]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task AbortRollout_WithAReasonAboveTheLimit_IsA400NamingTheSetting_AndTheRolloutKeepsRunning()
    {
        var model = await TrainAsync("linear", "linear");
        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { candidate = 2, mode = "shadow" })).StatusCode);
        await using var mcp = await factory.ConnectMcpAsync();
        var reason = new string('r', 1001);

        var rest = await DeleteAsync($"/api/models/{model}/rollout", $$"""{"reason":"{{reason}}"}""");
        var viaMcp = await mcp.CallToolErrorAsync("abort_rollout", new { model, reason });
        var running = await (await _http.GetAsync($"/api/models/{model}/rollout")).ReadJsonAsync();

        await AssertBadAsync(rest, "reason has 1001 characters; at most 1000 are allowed (OrleansMl__MaxAliasReasonLength). Shorten it.");
        Assert.Equal("Invalid rollout or guard", (await rest.ReadJsonAsync())["title"]!.GetValue<string>());
        Assert.Contains("reason has 1001 characters; at most 1000 are allowed", viaMcp, StringComparison.Ordinal);
        Assert.Equal("running", running["status"]!.GetValue<string>());
        Assert.Single(running["decisions"]!.AsArray());
        var aborted = await DeleteAsync($"/api/models/{model}/rollout", $$"""{"reason":"{{reason[..1000]}}"}""");
        Assert.Equal(HttpStatusCode.OK, aborted.StatusCode);
    }

    [Fact]
    public async Task AliasGuard_IsSetAndRemoved_OverRestAndMcp()
    {
        var model = await TrainAsync("linear", "lightgbm");
        await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 });
        await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 2 });

        var set = await (await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production/guard", new { metric = "errorRate", max = 0.05, minSamples = 20 })).ReadJsonAsync();
        var unknownAlias = await _http.PutAsJsonAsync($"/api/models/{model}/aliases/staging/guard", new { metric = "errorRate", max = 0.05 });
        var noMax = await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production/guard", new { metric = "p99" });
        var neverBreached = await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production/guard", new { metric = "accuracy", maxDrop = 2 });
        var removed = await (await _http.DeleteAsync($"/api/models/{model}/aliases/production/guard")).ReadJsonAsync();
        await using var mcp = await factory.ConnectMcpAsync();
        var viaMcp = await mcp.CallOkAsync("set_alias_guard", new { model, alias = "production", metric = "accuracy", maxDrop = 0.02 });

        Assert.Equal(("errorRate", 2, 1), (set["guard"]!["metric"]!.GetValue<string>(), set["version"]!.GetValue<int>(), set["previous"]!.GetValue<int>()));
        Assert.Equal(HttpStatusCode.NotFound, unknownAlias.StatusCode);
        await AssertBadAsync(noMax, "guard.max is required for p99");
        await AssertBadAsync(neverBreached, "guard.maxDrop for accuracy must be at most 1 (got 2)");
        Assert.Equal("Invalid rollout or guard", (await neverBreached.ReadJsonAsync())["title"]!.GetValue<string>());
        Assert.Null(removed["guard"]);
        Assert.Equal("accuracy", viaMcp["guard"]!["metric"]!.GetValue<string>());
    }

    [Fact]
    public async Task McpSetAliasGuard_WithRemoveAndAGuardDescribed_IsInvalidParams_AndTheGuardStays()
    {
        var model = await TrainAsync("linear");
        await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 });
        await using var mcp = await factory.ConnectMcpAsync();
        await mcp.CallOkAsync("set_alias_guard", new { model, alias = "production", metric = "accuracy", maxDrop = 0.05 });

        var both = await mcp.CallInvalidParamsAsync("set_alias_guard", new { model, alias = "production", remove = true, metric = "errorRate", max = 0.1 });

        Assert.EndsWith("remove: true removes the guard, so metric, max are not taken with it; leave out remove to set a guard, or leave them out to remove it.",
            both, StringComparison.Ordinal);
        Assert.Equal(["accuracy"], await GuardSetsAsync(model));
        Assert.DoesNotContain("model.alias.guard-removed", await AuditActionsAsync(model));
        var removed = await mcp.CallOkAsync("set_alias_guard", new { model, alias = "production", remove = true });
        Assert.Null(removed["guard"]);
    }

    [Fact]
    public async Task AGuardOrStickyByThatCouldNeverWork_IsA400NamingWhy_AndChangesNothing()
    {
        var model = await TrainAsync("linear", "linear");
        await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 });
        await using var mcp = await factory.ConnectMcpAsync();

        var rmse = await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new
        {
            candidate = 2, weight = 50, steps = HalfThenAll, stepAfter = new { samples = 5, duration = "00:00:01" },
            guard = new { metric = "rmse", max = 0.1, minSamples = 5 },
        });
        var sticky = await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { candidate = 2, stickyBy = "nonexistent" });
        var viaMcp = await mcp.CallToolErrorAsync("start_rollout", new { model, candidate = 2, guardMetric = "mae", guardMax = 0.5 });
        var rollout = await _http.GetAsync($"/api/models/{model}/rollout");
        var aliasGuard = await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production/guard", new { metric = "rmse", max = 0.1 });
        var guardSets = await GuardSetsAsync(model);
        var accepted = await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production/guard", new { metric = "auc", maxDrop = 0.02 });

        await AssertBadAsync(rmse,
            $"guard.metric 'rmse' is never measured for versions 1 and 2 of model '{model}', binary models, so the guard would never be checked: "
            + "a binary model's guard can watch accuracy, auc, errorRate or p99.");
        await AssertBadAsync(sticky,
            $"stickyBy 'nonexistent' is not a column that requests through alias 'production' of model '{model}' may carry: "
            + "versions 1 and 2 refuse a row with it (unknown column), so no request could be sticky. "
            + "The columns versions 1 and 2 both take are 'x1', 'x2', 'color' and the label 'label' (matched ignoring case): "
            + "choose one of them, e.g. an id every row carries.");
        Assert.Contains("guardMetric 'mae' is never measured for versions 1 and 2", viaMcp, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, rollout.StatusCode);
        await AssertBadAsync(aliasGuard,
            $"guard.metric 'rmse' is never measured for version 1 of model '{model}', a binary model, so the guard would never be checked: "
            + "a binary model's guard can watch accuracy, auc, errorRate or p99.");

        // No guard was set on the alias by the refused request; the one a binary model can measure is.
        Assert.Empty(guardSets);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(["auc"], await GuardSetsAsync(model));
    }

    [Fact]
    public async Task McpTools_StartReadAndAbortARollout_AndSendFeedback()
    {
        var model = await TrainAsync("linear", "lightgbm");
        await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 });
        await using var mcp = await factory.ConnectMcpAsync();

        var started = await mcp.CallOkAsync("start_rollout", new { model, candidate = 2, mode = "shadow" });
        var prediction = await mcp.CallOkAsync("predict", new { model, rows = new[] { new { x1 = 1.0, x2 = 1.0, color = "red" } } });
        var id = prediction["predictions"]![0]!["predictionId"]!.GetValue<string>();
        var feedback = await mcp.CallOkAsync("send_feedback", new { model, items = new[] { new { predictionId = id, actual = "yes" } } });
        var read = await mcp.CallOkAsync("get_rollout", new { model });
        var health = await mcp.CallOkAsync("get_model_health", new { model });
        var aborted = await mcp.CallOkAsync("abort_rollout", new { model, reason = "done" });
        var badFeedback = await mcp.CallInvalidParamsAsync("send_feedback", new { model, items = Array.Empty<object>() });

        Assert.Equal(("shadow", "running"), (started["mode"]!.GetValue<string>(), started["status"]!.GetValue<string>()));
        Assert.Equal(1, prediction["version"]!.GetValue<int>());
        Assert.Equal(1, feedback["accepted"]!.GetValue<int>());
        Assert.Equal("running", read["status"]!.GetValue<string>());
        Assert.Equal(model, health["model"]!.GetValue<string>());
        Assert.Equal(("aborted", "done"), (aborted["status"]!.GetValue<string>(), aborted["decisions"]![1]!["reason"]!.GetValue<string>()));
        Assert.Contains("items is required", badFeedback, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Feedback_WithAnActualThatIsNotAClass_IsRefusedNamingTheClasses_AndRecordsNothing()
    {
        var model = await TrainAsync("linear");
        var row = new { x1 = 1.5, x2 = 0.5, color = "red" };
        var predicted = await (await _http.PostJsonAsync($"/api/models/{model}/predict", new { rows = new[] { row, row } })).ReadJsonAsync();
        var ids = predicted["predictions"]!.AsArray().Select(p => p!["predictionId"]!.GetValue<string>()).ToList();
        await using var mcp = await factory.ConnectMcpAsync();

        var rest = await _http.PostJsonAsync($"/api/models/{model}/feedback", new
        {
            items = new object[] { new { predictionId = ids[0], actual = "yes" }, new { predictionId = ids[1], actual = "maybe" } },
        });
        var number = await _http.PostJsonAsync($"/api/models/{model}/feedback", new { items = new object[] { new { predictionId = ids[0], actual = 1 } } });
        var viaMcp = await mcp.CallToolErrorAsync("send_feedback", new { model, items = new[] { new { predictionId = ids[1], actual = "maybe" } } });

        await AssertBadAsync(rest, $"items[1].actual 'maybe' is not a class of model '{model}' version 1: its classes are 'no', 'yes'.");
        await AssertBadAsync(number, "items[0].actual '1' is not a class");
        Assert.Contains("items[0].actual 'maybe' is not a class", viaMcp, StringComparison.Ordinal);

        // Nothing was counted or remembered: the same ids are accepted now, and they are the only labelled predictions.
        var good = await (await _http.PostJsonAsync($"/api/models/{model}/feedback", new
        {
            items = new object[] { new { predictionId = ids[0], actual = "yes" }, new { predictionId = ids[1], actual = "no" } },
        })).ReadJsonAsync();
        Assert.Equal((2, 0), (good["accepted"]!.GetValue<int>(), good["duplicate"]!.GetValue<int>()));
        var health = await (await _http.GetAsync($"/api/models/{model}/health")).ReadJsonAsync();
        Assert.Equal(2, health["versions"]!.AsArray().Single(v => v!["version"]!.GetValue<int>() == 1)!["windows"]![0]!["labelled"]!.GetValue<long>());
    }

    [Fact]
    public async Task Feedback_ForARegression_WithAnActualThatIsNotANumber_RecordsNoItemOfTheRequest()
    {
        var (model, ids) = await RegressionPredictionsAsync(2);

        var bad = await _http.PostJsonAsync($"/api/models/{model}/feedback", new
        {
            items = new object[] { new { predictionId = ids[0], actual = 0.5 }, new { predictionId = ids[1], actual = "high" } },
        });

        await AssertBadAsync(bad, "must be a number: version 1 is a regression");
        var good = await (await _http.PostJsonAsync($"/api/models/{model}/feedback", new { items = new object[] { new { predictionId = ids[0], actual = 0.5 } } })).ReadJsonAsync();
        Assert.Equal((1, 0), (good["accepted"]!.GetValue<int>(), good["duplicate"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Feedback_ForARegression_WithAnActualBeyondTheFloat32Range_IsRefusedNamingTheItem_AndHealthStaysFinite()
    {
        var (model, ids) = await RegressionPredictionsAsync(3);
        await using var mcp = await factory.ConnectMcpAsync();

        var rest = await _http.PostJsonAsync($"/api/models/{model}/feedback", new
        {
            items = new object[] { new { predictionId = ids[0], actual = 0.5 }, new { predictionId = ids[1], actual = 1e308 } },
        });
        var viaMcp = await mcp.CallToolErrorAsync("send_feedback", new { model, items = new[] { new { predictionId = ids[2], actual = -1e39 } } });

        await AssertBadAsync(rest, "items[1].actual 1E+308 is outside the float32 range");
        Assert.Contains("items[0].actual -1E+39 is outside the float32 range", viaMcp, StringComparison.Ordinal);

        // Nothing of either request was recorded; an actual at the edge of the range is, and every metric stays a number.
        var good = await (await _http.PostJsonAsync($"/api/models/{model}/feedback", new
        {
            items = new object[] { new { predictionId = ids[0], actual = 3.4e38 }, new { predictionId = ids[1], actual = -3.4e38 } },
        })).ReadJsonAsync();
        Assert.Equal((2, 0), (good["accepted"]!.GetValue<int>(), good["duplicate"]!.GetValue<int>()));
        var window = (await (await _http.GetAsync($"/api/models/{model}/health")).ReadJsonAsync())["versions"]![0]!["windows"]![0]!;
        Assert.Equal(2, window["labelled"]!.GetValue<long>());
        Assert.True(double.IsFinite(window["rmse"]!.GetValue<double>()) && window["rmse"]!.GetValue<double>() > 3e38, window.ToJsonString());
        Assert.True(double.IsFinite(window["mae"]!.GetValue<double>()), window.ToJsonString());
        var health = await mcp.CallOkAsync("get_model_health", new { model });
        Assert.Equal(model, health["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Feedback_WithANumberTooLargeForADouble_IsRefusedAsOutsideTheFloat32Range_AndRecordsNothing()
    {
        var (model, ids) = await RegressionPredictionsAsync(2);
        await using var mcp = await factory.ConnectMcpAsync();
        var items = $"[{{\"predictionId\": \"{ids[0]}\", \"actual\": 0.5}}, {{\"predictionId\": \"{ids[1]}\", \"actual\": -1e400}}]";

        var rest = await _http.PostAsync($"/api/models/{model}/feedback",
            new StringContent($"{{\"items\": {items}}}", System.Text.Encoding.UTF8, "application/json"));
        using var document = System.Text.Json.JsonDocument.Parse(items);
        var viaMcp = await mcp.CallInvalidParamsAsync("send_feedback", new Dictionary<string, object?> { ["model"] = model, ["items"] = document.RootElement.Clone() });

        await AssertBadAsync(rest, "items[1].actual -1e400 is outside the float32 range (±3.4028235E+38) a model's labels are stored in");
        Assert.Contains("items[1].actual -1e400 is outside the float32 range", viaMcp, StringComparison.Ordinal);
        var good = await (await _http.PostJsonAsync($"/api/models/{model}/feedback", new { items = new object[] { new { predictionId = ids[0], actual = 0.5 } } })).ReadJsonAsync();
        Assert.Equal((1, 0), (good["accepted"]!.GetValue<int>(), good["duplicate"]!.GetValue<int>()));
    }

    [Fact]
    public async Task McpRolloutAndScheduleTools_WithMoreStepAfterSecondsThanATimeSpanHolds_AreInvalidParamsNamingTheArgument()
    {
        var model = await TrainAsync("linear", "linear");
        await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 });
        await using var mcp = await factory.ConnectMcpAsync();

        var rollout = await mcp.CallInvalidParamsAsync("start_rollout", new { model, candidate = 2, stepAfterSeconds = 1e300 });
        var schedule = await mcp.CallInvalidParamsAsync("set_schedule", new
        {
            model, every = "01:00:00", dataset = model, label = "label", then = "rollout", rolloutStepAfterSeconds = -1e20,
        });

        Assert.EndsWith("stepAfterSeconds 1E+300 is out of range: give a number of seconds from 0 to 922337203685.", rollout, StringComparison.Ordinal);
        Assert.EndsWith("rolloutStepAfterSeconds -1E+20 is out of range: give a number of seconds from 0 to 922337203685.", schedule, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/models/{model}/rollout")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/models/{model}/schedule")).StatusCode);
    }

    [Fact]
    public async Task RolloutGuardAndScheduleRefusals_NameTheFieldThatIsWrong_InTheBodysNamesOverRest_AndTheToolsArgumentsOverMcp()
    {
        var model = await TrainAsync("linear", "linear");
        await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1 });
        await using var mcp = await factory.ConnectMcpAsync();

        var rest = await _http.PutAsJsonAsync($"/api/models/{model}/rollout", new { candidate = 2, stepAfter = new { samples = 0, duration = "00:01:00" } });
        var rollout = await mcp.CallToolErrorAsync("start_rollout", new { model, candidate = 2, stepAfterSamples = 0, stepAfterSeconds = 60 });
        var negative = await mcp.CallToolErrorAsync("start_rollout", new { model, candidate = 2, stepAfterSeconds = -5 });
        var guard = await mcp.CallToolErrorAsync("set_alias_guard", new { model, alias = "production", metric = "mae", maxDrop = -0.5 });
        var noMetric = await mcp.CallInvalidParamsAsync("set_alias_guard", new { model, alias = "production", maxDrop = 0.5 });
        var schedule = await mcp.CallToolErrorAsync("set_schedule", new
        {
            model, every = "01:00:00", dataset = model, label = "label", then = "rollout", rolloutStepAfterSamples = 0,
        });
        var scheduleGuard = await mcp.CallToolErrorAsync("set_schedule", new
        {
            model, every = "01:00:00", dataset = model, label = "label", then = "rollout", guardMetric = "errorRate", guardMax = -1,
        });

        await AssertBadAsync(rest, "stepAfter.samples must be at least 1 (got 0).");
        Assert.Contains("stepAfterSamples must be at least 1 (got 0).", rollout, StringComparison.Ordinal);
        Assert.Contains("stepAfterSeconds must not be negative (got -5 seconds).", negative, StringComparison.Ordinal);
        Assert.Contains("maxDrop must be a finite number, not negative (got -0.5).", guard, StringComparison.Ordinal);
        Assert.Contains("metric is required: accuracy, auc", noMetric, StringComparison.Ordinal);
        Assert.Contains("rolloutStepAfterSamples must be at least 1 (got 0).", schedule, StringComparison.Ordinal);
        Assert.Contains("guardMax must be a finite number, not negative (got -1).", scheduleGuard, StringComparison.Ordinal);
        foreach (var message in new[] { rollout, negative, guard, noMetric, schedule, scheduleGuard })
        {
            Assert.DoesNotContain("guard.", message, StringComparison.Ordinal);
            Assert.DoesNotContain("stepAfter.", message, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/models/{model}/rollout")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/models/{model}/schedule")).StatusCode);
    }

    private Task<HttpResponseMessage> DeleteAsync(string url, string json) =>
        _http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, url) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") });

    private static async Task AssertBadAsync(HttpResponseMessage response, string expected)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.ReadJsonAsync())["detail"]!.GetValue<string>();
        Assert.True(detail.Contains(expected, StringComparison.Ordinal), detail);
    }

    /// <summary>The metrics of the guards set on the model's production alias, newest first, as the audit log records them.</summary>
    private async Task<List<string>> GuardSetsAsync(string model)
    {
        var entries = (await (await _http.GetAsync("/api/audit?limit=500")).ReadJsonAsync())["entries"]!.AsArray();
        return [.. entries
            .Where(e => e!["action"]!.GetValue<string>() == "model.alias.guard-set" && e["target"]!.GetValue<string>() == $"models/{model}/aliases/production/guard")
            .Select(e => e!["to"]!.GetValue<string>())];
    }

    private async Task<List<string>> AuditActionsAsync(string model)
    {
        var entries = (await (await _http.GetAsync("/api/audit?limit=500")).ReadJsonAsync())["entries"]!.AsArray();
        return [.. entries.Where(e => e!["target"]!.GetValue<string>().StartsWith($"models/{model}/", StringComparison.Ordinal)).Select(e => e!["action"]!.GetValue<string>())];
    }

    private async Task<JsonNode> PollAsync(string url, Func<JsonNode, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var answer = await (await _http.GetAsync(url)).ReadJsonAsync();
            if (done(answer) || DateTime.UtcNow > deadline)
            {
                return answer;
            }

            await Task.Delay(200);
        }
    }

    private async Task<string> TrainAsync(params string[] algorithms)
    {
        var model = McpTestClient.Unique("roll");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{model}", McpTestClient.BinaryCsv())).StatusCode);
        foreach (var algorithm in algorithms)
        {
            var queued = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset = model, label = "label", algorithm })).ReadJsonAsync();
            Assert.Equal("succeeded", (await _http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>()))["status"]!.GetValue<string>());
        }

        return model;
    }

    /// <summary>A linear regression of x2 trained on a fresh copy of the binary test set, and the ids of <paramref name="rows"/> predictions.</summary>
    private async Task<(string Model, List<string> Ids)> RegressionPredictionsAsync(int rows)
    {
        var model = McpTestClient.Unique("reg");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{model}", McpTestClient.BinaryCsv())).StatusCode);
        var queued = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset = model, label = "x2", algorithm = "linear" })).ReadJsonAsync();
        Assert.Equal("succeeded", (await _http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>()))["status"]!.GetValue<string>());
        var row = new { x1 = 1.5, color = "red", label = "yes" };
        var predicted = await (await _http.PostJsonAsync($"/api/models/{model}/predict", new { rows = Enumerable.Repeat(row, rows).ToArray() })).ReadJsonAsync();
        return (model, [.. predicted["predictions"]!.AsArray().Select(p => p!["predictionId"]!.GetValue<string>())]);
    }
}
