using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OrleansMl.Console.Tests;

/// <summary>What a user does in the console, done in Chromium, and checked both on the page and through the REST API.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleActionsTests(ConsoleFixture fixture)
{
    // A fit that takes seconds to tens of seconds on iris whatever the search does: 10,000 trees of up to 100 leaves.
    private static Dictionary<string, double> LongFit => new() { ["trees"] = 10_000, ["leaves"] = 100, ["minLeaf"] = 1, ["timeBudgetSeconds"] = 60 };

    [Fact]
    public async Task UploadTrainPromoteAndRollback_ThroughTheConsole()
    {
        var page = await fixture.OpenAsync("/datasets");

        // Upload: the dataset name comes from the file name.
        await page.Locator("#dataset-file").SetInputFilesAsync(Path.Combine(ConsoleGateway.RepositoryRoot(), "tests", "data", "wine.csv"));
        await Expect(page.Locator("#dataset-name")).ToHaveValueAsync("wine");
        await page.Locator("[data-test=upload]").ClickAsync();
        await Browser.WaitForNavigationAsync(page, "**/datasets/wine/1", "upload");
        await Expect(page.Locator("[data-test=dataset-summary]")).ToContainTextAsync("178 rows");

        // Train twice from the dataset page: the form offers its columns and picks the last one, 'target', as label.
        var model = await TrainFromDatasetPageAsync(page, seed: null);
        Assert.Equal("wine", model);
        await Expect(page.Locator("[data-test=versions] [data-version='1']")).ToContainTextAsync("succeeded", new() { Timeout = 120_000 });
        await Browser.ScreenshotAsync(page, "flow-trained");

        await PromoteAsync(page, "auc would be nice, accuracy it is");
        await Expect(page.Locator("[data-test=aliases] [data-alias=production]")).ToContainTextAsync("production → v1");

        await page.GotoAsync("/datasets/wine/1");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await TrainFromDatasetPageAsync(page, seed: 7);
        await Expect(page.Locator("[data-test=versions] [data-version='2']")).ToContainTextAsync("succeeded", new() { Timeout = 120_000 });
        await page.ReloadAsync();
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await PromoteAsync(page, "second seed");
        await Expect(page.Locator("[data-test=aliases] [data-alias=production]")).ToContainTextAsync("production → v2");

        // Roll back with a reason: the timeline shows it, and the API agrees.
        await page.Locator("#reason").FillAsync("v2 misclassifies class_2");
        await page.Locator("[data-test=rollback]").ClickAsync();
        await Expect(page.Locator("[data-test=alias-done]")).ToContainTextAsync("rolled back to v1");
        await Expect(page.Locator("[data-test=aliases] [data-alias=production]")).ToContainTextAsync("production → v1");
        var rollback = page.Locator("[data-test=alias-timeline] [data-action=rollback]");
        await Expect(rollback).ToContainTextAsync("v2 → v1");
        await Expect(rollback).ToContainTextAsync("v2 misclassifies class_2");
        await Browser.ScreenshotAsync(page, "flow-rolled-back");

        var info = await fixture.Gateway.Http.GetFromJsonAsync<Model>("/api/models/wine");
        Assert.Equal(1, info!.Aliases["production"]);
        Assert.Equal(["promote", "promote", "rollback"], info.AliasHistory.Select(h => h.Action));
        Assert.Equal("v2 misclassifies class_2", info.AliasHistory[^1].Reason);

        // Remove an alias: the first click asks, "Keep it" keeps it, the second click removes it.
        await page.Locator("#alias").FillAsync("staging");
        await page.Locator("#reason").FillAsync("a staging slot for v2");
        await page.Locator("[data-test=promote]").ClickAsync();
        await Expect(page.Locator("[data-test=aliases] [data-alias=staging]")).ToContainTextAsync("staging → v2");
        await page.Locator("[data-test=remove-alias]").ClickAsync();
        await Expect(page.Locator("[data-test=confirm-remove]")).ToContainTextAsync("Remove alias 'staging' (it serves v2)?");
        await page.Locator("[data-test=cancel-remove-alias]").ClickAsync();
        await Expect(page.Locator("[data-test=confirm-remove]")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-test=aliases] [data-alias=staging]")).ToHaveCountAsync(1);

        await page.Locator("[data-test=remove-alias]").ClickAsync();
        await page.Locator("#reason").FillAsync("staging is done");
        await page.Locator("[data-test=confirm-remove-alias]").ClickAsync();
        await Expect(page.Locator("[data-test=alias-done]")).ToContainTextAsync("staging removed (it served v2)");
        await Expect(page.Locator("[data-test=aliases] [data-alias=staging]")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-test=alias-timeline] [data-action=remove]")).ToContainTextAsync("remove staging: was v2");

        info = await fixture.Gateway.Http.GetFromJsonAsync<Model>("/api/models/wine");
        Assert.False(info!.Aliases.ContainsKey("staging"));
        Assert.Equal(1, info.Aliases["production"]);
        Assert.Equal(("remove", "staging is done"), (info.AliasHistory[^1].Action, info.AliasHistory[^1].Reason));
    }

    [Fact]
    public async Task JobsPage_ShowsProgressAdvancing_ThenTheOutcome()
    {
        var page = await fixture.OpenAsync("/jobs");
        // The gateway trains one job at a time: the watched job waits (queued, 0 %) behind a long fit (10,000 trees: its
        // length comes from the work asked for), then runs through its stages.
        var search = new
        {
            dataset = "iris", label = "target", algorithm = "fasttree", parameters = LongFit,
        };
        await fixture.Gateway.TrainAsync("slow-iris-ahead", search);
        var version = await fixture.Gateway.TrainAsync("slow-iris", search);
        var row = page.Locator($"[data-test=active-jobs] [data-job='slow-iris/v{version}']");
        await row.WaitForAsync(new() { Timeout = 30_000 });
        var seen = new HashSet<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline && await row.CountAsync() > 0)
        {
            if (await row.GetAttributeAsync("data-progress", new() { Timeout = 2_000 }).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null) is { } progress)
            {
                if (seen.Add(progress) && seen.Count == 2)
                {
                    await Browser.ScreenshotAsync(page, "console-jobs");
                }
            }

            await Task.Delay(250);
        }

        Assert.True(seen.Count >= 2, $"The progress shown never changed: {string.Join(", ", seen)}");
        Assert.True(seen.Select(p => double.Parse(p, CultureInfo.InvariantCulture)).Any(p => p > 0 && p < 1), $"No progress between 0 and 1 was shown: {string.Join(", ", seen)}");
        await Expect(page.Locator($"[data-test=recent-jobs] [data-job='slow-iris/v{version}']")).ToContainTextAsync("succeeded");
    }

    [Fact]
    public async Task CancellingAJob_FromTheJobsPage_EndsItCancelled()
    {
        var page = await fixture.OpenAsync("/jobs");
        var version = await fixture.Gateway.TrainAsync("cancelled-iris", new
        {
            dataset = "iris", label = "target", algorithm = "fasttree", parameters = LongFit,
        });
        var row = page.Locator($"[data-test=active-jobs] [data-job='cancelled-iris/v{version}']");
        await row.Locator("[data-test=cancel]").ClickAsync();
        await Expect(page.Locator($"[data-test=recent-jobs] [data-job='cancelled-iris/v{version}']")).ToContainTextAsync("cancelled", new() { Timeout = 60_000 });
        Assert.Equal("cancelled", (await fixture.Gateway.WaitAsync("cancelled-iris", version)).Status);
    }

    [Fact]
    public async Task ApiErrors_AreShownWhereTheActionWasTaken()
    {
        var page = await fixture.OpenAsync("/train?dataset=iris&version=1");
        await page.Locator("#model-name").FillAsync("bad/name");
        await page.Locator("[data-test=train]").ClickAsync();
        var problem = page.Locator("[data-test=problem]");
        await Expect(problem).ToContainTextAsync("Invalid model name");
        await Browser.ScreenshotAsync(page, "train-error");

        // Promoting an alias to a version that does not exist: the API's 404 detail, in place.
        await page.GotoAsync($"/models/{ConsoleFixture.Model}");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await page.Locator("#alias").FillAsync("bad alias!");
        await page.Locator("[data-test=promote]").ClickAsync();
        await Expect(page.Locator("[data-test=problem]")).ToContainTextAsync("bad alias!");
    }

    [Fact]
    public async Task TrainForm_OffersTheParametersOfTheChosenAlgorithm_AndSendsTheOnesFilledIn()
    {
        var page = await fixture.OpenAsync("/train?dataset=iris&algorithm=linear");
        // The dataset in the link names the model once it has loaded.
        await Expect(page.Locator("#model-name")).ToHaveValueAsync("iris");
        await page.Locator("#model-name").FillAsync("iris-l2");

        // A linear model's parameters only: no leaves, learning rate or minimum leaf size.
        await Expect(page.Locator("[data-test=train-parameters] input")).ToHaveCountAsync(4);
        foreach (var name in new[] { "trees", "l1", "l2", "timeBudgetSeconds" })
        {
            await Expect(page.Locator($"#parameter-{name}")).ToHaveValueAsync("");
        }

        await Expect(page.Locator("#parameter-leaves")).ToHaveCountAsync(0);

        // Out of range: the server's words, and no model.
        await page.Locator("#parameter-l2").FillAsync("5000");
        await page.Locator("[data-test=train]").ClickAsync();
        await Expect(page.Locator("[data-test=problem]")).ToContainTextAsync("Parameter 'l2' must be between 0 and 1000; got 5000");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await fixture.Gateway.Http.GetAsync("/api/models/iris-l2")).StatusCode);

        await page.Locator("#parameter-l2").FillAsync("2");
        await page.Locator("#test-fraction").FillAsync("0");
        await page.Locator("[data-test=train]").ClickAsync();
        await Browser.WaitForNavigationAsync(page, "**/models/iris-l2", "train-l2");
        var state = await fixture.Gateway.WaitAsync("iris-l2", 1);
        var version = await fixture.Gateway.Http.GetFromJsonAsync<TrainedVersion>("/api/models/iris-l2/versions/1");

        Assert.Equal("succeeded", state.Status);
        Assert.Equal("linear(lbfgs-maxent,l1=1,l2=2,iterations=100)", version!.Algorithm);
        Assert.Equal(new Dictionary<string, double> { ["l2"] = 2 }, version.Spec.Parameters);
        Assert.Equal(0, version.Spec.TestFraction);
    }

    [Fact]
    public async Task TrainForm_TrainsOnTheFeaturesTicked()
    {
        var page = await fixture.OpenAsync("/train?dataset=iris&algorithm=linear");
        // The dataset in the link names the model once it has loaded.
        await Expect(page.Locator("#model-name")).ToHaveValueAsync("iris");
        await page.Locator("#model-name").FillAsync("iris-sepals");
        var features = page.Locator("[data-test=train-features]");

        // Every column but the label is ticked; the label is not offered.
        await Expect(features.Locator("input[type=checkbox]")).ToHaveCountAsync(4);
        await Expect(features.Locator("input[type=checkbox]:checked")).ToHaveCountAsync(4);
        await Expect(features.GetByLabel("target", new() { Exact = true })).ToHaveCountAsync(0);

        // Unticking them all would train on nothing: the form says so and does not send it.
        foreach (var column in new[] { "sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)" })
        {
            await features.GetByLabel(column, new() { Exact = true }).UncheckAsync();
        }

        await Expect(page.Locator("[data-test=no-feature]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=train]")).ToBeDisabledAsync();

        await features.GetByLabel("sepal length (cm)", new() { Exact = true }).CheckAsync();
        await features.GetByLabel("sepal width (cm)", new() { Exact = true }).CheckAsync();
        await Expect(page.Locator("[data-test=no-feature]")).ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(page, "train-form");
        await page.Locator("[data-test=train]").ClickAsync();
        await Browser.WaitForNavigationAsync(page, "**/models/iris-sepals", "train-sepals");
        var state = await fixture.Gateway.WaitAsync("iris-sepals", 1);
        var version = await fixture.Gateway.Http.GetFromJsonAsync<TrainedVersion>("/api/models/iris-sepals/versions/1");

        Assert.Equal("succeeded", state.Status);
        Assert.Equal(["sepal length (cm)", "sepal width (cm)"], version!.Spec.Features);
        // The model takes the unticked columns as ignored inputs.
        Assert.Equal(
            ["sepal length (cm) numeric", "sepal width (cm) numeric", "petal length (cm) ignored", "petal width (cm) ignored"],
            version.Signature.Inputs.Select(i => $"{i.Name} {i.Kind}"));
    }

    /// <summary>Clicks "Train" on a dataset version page and submits the form; returns the model name the form chose.</summary>
    private static async Task<string> TrainFromDatasetPageAsync(IPage page, int? seed)
    {
        await page.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Train on v") }).ClickAsync();
        await Browser.WaitForNavigationAsync(page, "**/train?**", "train-open");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await Expect(page.Locator("#model-name")).Not.ToHaveValueAsync("");
        var model = await page.Locator("#model-name").InputValueAsync();
        if (seed is { } s)
        {
            await page.Locator("#seed").FillAsync(s.ToString(CultureInfo.InvariantCulture));
        }

        await page.Locator("[data-test=train]").ClickAsync();
        await Browser.WaitForNavigationAsync(page, $"**/models/{model}", "train-model");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        return model;
    }

    private static async Task PromoteAsync(IPage page, string reason)
    {
        await page.Locator("#reason").FillAsync(reason);
        await page.Locator("[data-test=promote]").ClickAsync();
        await Expect(page.Locator("[data-test=alias-done]")).ToContainTextAsync("production now serves");
    }

    private sealed record Model(Dictionary<string, int> Aliases, List<AliasChange> AliasHistory);

    private sealed record TrainedVersion(string Algorithm, TrainedSpec Spec, TrainedSignature Signature);

    private sealed record TrainedSpec(Dictionary<string, double> Parameters, double TestFraction, List<string> Features);

    private sealed record TrainedSignature(List<TrainedInput> Inputs);

    private sealed record TrainedInput(string Name, string Kind);

    private sealed record AliasChange(string Action, string? Reason);
}
