using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OrleansMl.Console.Tests;

/// <summary>Every console page loaded in Chromium against a gateway with real data, checked against what the API says.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsolePagesTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task Console_AsksForAKey_AndShowsWhoIsSignedIn()
    {
        var page = await fixture.Browser.NewPageAsync(fixture.Gateway.Address);
        await page.GotoAsync("/");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await Expect(page.Locator("#api-key")).ToBeVisibleAsync();

        await page.Locator("#api-key").FillAsync("not-a-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("[data-test=refusal]")).ToContainTextAsync("not valid");

        await page.Locator("#api-key").FillAsync(ConsoleFixture.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("[data-test=caller]")).ToContainTextAsync("admin");
        Assert.DoesNotContain(ConsoleFixture.AdminKey, page.Url, StringComparison.Ordinal);

        // The key lives in the tab's session: another page of the same tab needs no second sign-in.
        await page.GotoAsync("/datasets");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await Expect(page.Locator("[data-test=datasets]")).ToContainTextAsync("iris");
        Assert.Equal(0, await page.Locator("#api-key").CountAsync());
    }

    [Fact]
    public async Task ModelsPage_ListsModelsWithTheirAliases()
    {
        var page = await fixture.OpenAsync("/");
        var row = page.Locator($"[data-model={ConsoleFixture.Model}]");
        await Expect(row).ToContainTextAsync(ConsoleFixture.Model);
        await Expect(row).ToContainTextAsync("production → v1");
        await Browser.ScreenshotAsync(page, "console-models");
    }

    [Fact]
    public async Task ModelPage_ShowsVersionsWithMetrics_Chart_Timeline_AndComparison()
    {
        var page = await fixture.OpenAsync($"/models/{ConsoleFixture.Model}");
        var versions = page.Locator("[data-test=versions]");
        await Expect(versions.Locator("[data-version='1']")).ToContainTextAsync("succeeded");
        await Expect(versions.Locator("[data-version='2']")).ToContainTextAsync("succeeded");
        foreach (var (name, value) in fixture.Second.Metrics)
        {
            await Expect(versions.Locator("[data-version='2'] [data-test=metrics]")).ToContainTextAsync($"{name} {Number(value)}");
        }

        await Expect(page.Locator("[data-test=metric-chart] svg").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=alias-timeline]")).ToContainTextAsync("first model");

        await page.Locator("[data-test=compare]").ClickAsync();
        var comparison = page.Locator("[data-test=comparison]");
        await Expect(comparison).ToBeVisibleAsync();
        var macro = comparison.Locator("[data-metric=macroAccuracy]");
        await Expect(macro).ToContainTextAsync(Number(fixture.First.Metrics["macroAccuracy"]));
        await Expect(macro).ToContainTextAsync(Number(fixture.Second.Metrics["macroAccuracy"]));

        await versions.Locator("[data-version='2']").ClickAsync();
        await Expect(page.Locator("[data-test=version-details]")).ToContainTextAsync("Timings");
        // The schedule panel is read once the page is interactive.
        await page.Locator("[data-test=no-schedule], [data-test=schedule]").First.WaitForAsync();
        await Browser.ScreenshotAsync(page, "console-model");
    }

    [Fact]
    public async Task ModelPage_ShowsTheRetrainingSchedule_WithItsNextRun()
    {
        var http = fixture.Gateway.Http;
        var url = $"/api/models/{ConsoleFixture.Model}/schedule";
        (await http.PutAsJsonAsync(url, new { every = "01:00:00", dataset = "iris", label = "target", algorithm = "linear", trigger = "newData", then = "none" }))
            .EnsureSuccessStatusCode();
        try
        {
            var schedule = (await http.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>(url))!;
            var nextRun = schedule["nextRunAt"]!.GetValue<DateTimeOffset>();

            var page = await fixture.OpenAsync($"/models/{ConsoleFixture.Model}");
            var panel = page.Locator("[data-test=schedule]");
            await Expect(panel).ToContainTextAsync("Every 01:00:00 on iris");
            await Expect(panel).ToContainTextAsync("trigger newData");
            await Expect(page.Locator("[data-test=next-run]"))
                .ToHaveTextAsync(nextRun.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        }
        finally
        {
            (await http.DeleteAsync(url)).EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task VersionDetails_ShowTheWarnings_OfAFeatureUsedAlthoughInferenceIgnoredIt()
    {
        var http = fixture.Gateway.Http;
        // The label is not the last column, which the training form would pick by itself.
        var csv = "customer_id,label,x\n" + string.Concat(Enumerable.Range(0, 60).Select(i => string.Create(CultureInfo.InvariantCulture, $"{1000 + i},{(i < 30 ? "no" : "yes")},{i - 30}\n")));
        using (var content = new StringContent(csv, System.Text.Encoding.UTF8, "text/csv"))
        {
            (await http.PostAsync("/api/datasets/named-ids", content)).EnsureSuccessStatusCode();
        }

        var version = await fixture.Gateway.TrainAsync("named-ids", new { dataset = "named-ids", label = "label", algorithm = "linear", features = Features, parameters = new { l2 = 0.5 }, seed = 3 });
        Assert.Equal("succeeded", (await fixture.Gateway.WaitAsync("named-ids", version)).Status);

        var page = await fixture.OpenAsync("/models/named-ids");
        await page.Locator($"[data-test=versions] [data-version='{version}']").ClickAsync();
        await Expect(page.Locator("[data-test=version-warning]").First).ToContainTextAsync(
            "Feature 'customer_id' is used as a number, as features names it, although schema inference marked it ignored");
        await Expect(page.Locator("[data-test=version-warning]").Nth(1)).ToContainTextAsync(
            "testFraction 0.2 holds out about 12 of the 60 labelled rows");
        await Expect(page.Locator("[data-test=version-request]")).ToContainTextAsync(
            $"linear on task auto; l2=0.5; features {string.Join(", ", Features)}; test fraction 0.2; seed 3");

        // "Train again…" opens the form filled in with the version's request.
        await page.Locator("[data-test=train-again]").ClickAsync();
        await Browser.WaitForNavigationAsync(page, "**/train?**", "train-again-open");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await Expect(page.Locator("#model-name")).ToHaveValueAsync("named-ids");
        // The label is 'label', not the last column 'x', so the features offered are the two others; both are ticked,
        // the id column too, as the request named it although inference ignores it.
        var features = page.Locator("[data-test=train-features]");
        await Expect(features.Locator("input[type=checkbox]")).ToHaveCountAsync(2);
        await Expect(features.Locator("input[type=checkbox]:checked")).ToHaveCountAsync(2);
        await Expect(features.GetByLabel("label", new() { Exact = true })).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-test=train-parameters] input")).ToHaveCountAsync(4);
        await Expect(page.Locator("#parameter-l2")).ToHaveValueAsync("0.5");
        await Expect(page.Locator("#seed")).ToHaveValueAsync("3");
        await page.Locator("[data-test=train]").ClickAsync();
        await Browser.WaitForNavigationAsync(page, "**/models/named-ids", "train-again");
        var again = (await fixture.Gateway.Http.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/models/named-ids/versions/{version + 1}"))!["spec"]!;
        Assert.Equal(["customer_id", "x"], again["features"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal(0.5, again["parameters"]!["l2"]!.GetValue<double>());
        Assert.Equal(("label", "linear", 3), (again["label"]!.GetValue<string>(), again["algorithm"]!.GetValue<string>(), again["seed"]!.GetValue<int>()));
    }

    [Fact]
    public async Task VersionDetails_ShowHowAutoChose_EveryCandidateWithItsScore()
    {
        var version = await fixture.Gateway.TrainAsync("auto-iris", new { dataset = "iris", label = "target", algorithm = "auto", seed = 1 });
        Assert.Equal("succeeded", (await fixture.Gateway.WaitAsync("auto-iris", version)).Status);
        var search = (await fixture.Gateway.Http.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/models/auto-iris/versions/{version}"))!;
        var chosen = search["algorithm"]!.GetValue<string>();

        var page = await fixture.OpenAsync("/models/auto-iris");
        await page.Locator($"[data-test=versions] [data-version='{version}']").ClickAsync();
        var shown = page.Locator("[data-test=version-search]");

        await Expect(shown).ToContainTextAsync("By 5-fold cross-validation on 120 training rows");
        await Expect(shown.Locator("[data-test=search-candidate]")).ToHaveCountAsync(search["search"]!["candidates"]!.AsArray().Count);
        await Expect(shown.Locator("[data-test=search-candidate][data-chosen=true]")).ToHaveCountAsync(1);
        await Expect(shown.Locator("[data-test=search-candidate][data-chosen=true]")).ToContainTextAsync(chosen + " (chosen)");
        await Browser.ScreenshotAsync(page, "console-auto-choice");
    }

    [Fact]
    public async Task DatasetPage_ShowsSchema_Statistics_AndSampleRows()
    {
        var dataset = await fixture.Gateway.Http.GetFromJsonAsync<Dataset>("/api/datasets/iris/versions/1");
        var page = await fixture.OpenAsync("/datasets/iris/1");
        var columns = page.Locator("[data-test=columns]");
        foreach (var column in dataset!.Columns)
        {
            var row = columns.Locator($"[data-column='{column.Name}']");
            await Expect(row).ToContainTextAsync(column.Kind);
            if (column.Mean is { } mean)
            {
                await Expect(row).ToContainTextAsync(Number(mean));
            }
        }

        await Expect(columns.Locator("[data-column=target]")).ToContainTextAsync("setosa");
        await Expect(page.Locator("[data-test=sample-rows] tbody tr")).ToHaveCountAsync(10);
        await Expect(page.Locator("[data-test=dataset-summary]")).ToContainTextAsync("150 rows");
        await Browser.ScreenshotAsync(page, "console-dataset");
    }

    [Fact]
    public async Task ReadOnlyKey_SeesEverything_ButNoActions()
    {
        var created = await fixture.Gateway.Http.PostAsJsonAsync("/api/keys", new { name = "viewer", scopes = ReadOnly });
        created.EnsureSuccessStatusCode();
        var key = (await created.Content.ReadFromJsonAsync<CreatedKey>())!.Key;

        var page = await fixture.OpenAsync($"/models/{ConsoleFixture.Model}", key);
        await Expect(page.Locator("[data-test=caller]")).ToContainTextAsync("viewer");
        await Expect(page.Locator("[data-test=versions]")).ToContainTextAsync("succeeded");
        await Expect(page.Locator("[data-test=deploy-hidden]")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("[data-test=promote]").CountAsync());

        await page.GotoAsync("/datasets");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await Expect(page.Locator("[data-test=datasets]")).ToContainTextAsync("iris");
        Assert.Equal(0, await page.Locator("[data-test=upload]").CountAsync());

        await page.GotoAsync("/train");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await Expect(page.Locator("[data-test=train-hidden]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ConsoleAndDocs_FetchNothingFromAnotherHost()
    {
        var page = await fixture.Browser.NewPageAsync(fixture.Gateway.Address);
        var foreign = new List<string>();
        page.Request += (_, request) =>
        {
            var uri = new Uri(request.Url);
            if (uri.Scheme is "http" or "https" or "ws" or "wss" && uri.Host != fixture.Gateway.Address.Host)
            {
                lock (foreign)
                {
                    foreign.Add(request.Url);
                }
            }
        };
        await page.GotoAsync($"/models/{ConsoleFixture.Model}");
        await ConsoleFixture.SignInAsync(page, ConsoleFixture.AdminKey);
        await page.Locator("[data-test=versions]").WaitForAsync();
        await page.GotoAsync("/docs");
        await page.GetByText("OrleansMl").First.WaitForAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Browser.ScreenshotAsync(page, "docs", fullPage: false);
        Assert.Empty(foreign);
        Assert.Equal(0, await page.GetByText("Ask AI").CountAsync());
        Assert.Equal(0, await page.GetByText("Deploy").CountAsync());
    }

    private static readonly string[] ReadOnly = ["read"];

    private static readonly string[] Features = ["customer_id", "x"];

    internal static string Number(double value) => value.ToString(Math.Abs(value) >= 1000 ? "N0" : "0.####", CultureInfo.InvariantCulture);

    private sealed record Dataset(List<Column> Columns);

    private sealed record Column(string Name, string Kind, double? Mean);

    private sealed record CreatedKey(string Key);
}
