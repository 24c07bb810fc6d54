using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OrleansMl.Console.Tests;

/// <summary>
/// The rollout and health page, the dataset version's histograms and lineage, in Chromium against a gateway with real
/// data: what the page shows is what the API says, and it follows what the cluster does (a canary's weight, its abort,
/// an automatic rollback, live numbers after predictions and feedback).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleRolloutTests(ConsoleFixture fixture)
{
    private const string Model = ConsoleFixture.Model;

    [Fact]
    public async Task RolloutPage_StartsACanaryFromTheForm_ShowsItsWeight_ThenAbortsIt()
    {
        var page = await fixture.OpenAsync($"/models/{Model}/rollout");
        var form = page.Locator("[data-test=rollout-form]");
        await Expect(form).ToBeVisibleAsync();
        await page.Locator("#rollout-weight").FillAsync("25");
        await page.Locator("#rollout-steps").FillAsync("25, 100");
        // A step this long is never reached during the test: the rollout stays at its first weight until it is aborted.
        await page.Locator("#rollout-step-seconds").FillAsync("3600");
        await page.Locator("[data-test=start-rollout]").ClickAsync();

        var rollout = page.Locator("[data-test=rollout]");
        await Expect(rollout).ToHaveAttributeAsync("data-status", "running");
        await Expect(page.Locator("[data-test=rollout-weight]")).ToHaveTextAsync("25%");
        await Expect(page.Locator("[data-test=decisions] [data-action=start]")).ToBeVisibleAsync();
        var started = (await fixture.Gateway.Http.GetFromJsonAsync<Rollout>($"/api/models/{Model}/rollout"))!;
        Assert.Equal(("running", 25, 1), (started.Status, started.Weight, started.Baseline));
        await Expect(rollout).ToContainTextAsync($"v{started.Candidate} against v1 on production");
        await Browser.ScreenshotAsync(page, "console-rollout-running");

        await page.Locator("#abort-reason").FillAsync("seen enough");
        await page.Locator("[data-test=abort]").ClickAsync();
        await Expect(rollout).ToHaveAttributeAsync("data-status", "aborted");
        await Expect(page.Locator("[data-test=decisions] [data-action=abort]")).ToContainTextAsync("seen enough");
        await Expect(page.Locator("[data-test=rollout-weight]")).ToHaveTextAsync("0%");
        var aborted = (await fixture.Gateway.Http.GetFromJsonAsync<Rollout>($"/api/models/{Model}/rollout"))!;
        Assert.Equal("aborted", aborted.Status);
        Assert.Equal("seen enough", aborted.Decisions[^1].Reason);

        // Nothing runs any more: a second abort is refused.
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await fixture.Gateway.Http.DeleteAsync($"/api/models/{Model}/rollout")).StatusCode);
    }

    [Fact]
    public async Task RolloutPage_ShowsAnAutomaticRollbackInTheTimeline_AndLiveHealthWithNumbers()
    {
        // A canary whose p99 guard (0.01 ms) every request breaches: it rolls back by itself once traffic reaches it.
        var body = new
        {
            candidate = 2, weight = 50, steps = new[] { 50, 100 }, stepAfter = new { samples = 1_000_000 },
            guard = new { metric = "p99", max = 0.01, minSamples = 3 },
        };
        (await fixture.Gateway.Http.PutAsJsonAsync($"/api/models/{Model}/rollout", body)).EnsureSuccessStatusCode();
        var page = await fixture.OpenAsync($"/models/{Model}/rollout");
        await Expect(page.Locator("[data-test=guard]")).ToContainTextAsync("p99");
        await Expect(page.Locator("[data-test=guard-threshold]")).ToHaveTextAsync("0.01");

        var predictions = new List<(string Id, string Actual, int Version)>();
        var rows = (await File.ReadAllLinesAsync(Path.Combine(ConsoleGateway.RepositoryRoot(), "tests", "data", "iris.csv"))).Skip(1).Take(150).ToList();
        for (var i = 0; i < 60; i++)
        {
            var cells = rows[(i * 7) % rows.Count].Split(',');
            var row = new Dictionary<string, object>
            {
                ["sepal length (cm)"] = double.Parse(cells[0], CultureInfo.InvariantCulture),
                ["sepal width (cm)"] = double.Parse(cells[1], CultureInfo.InvariantCulture),
                ["petal length (cm)"] = double.Parse(cells[2], CultureInfo.InvariantCulture),
                ["petal width (cm)"] = double.Parse(cells[3], CultureInfo.InvariantCulture),
            };
            var response = await fixture.Gateway.Http.PostAsJsonAsync($"/api/models/{Model}/predict", new { rows = new[] { row } });
            response.EnsureSuccessStatusCode();
            var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            predictions.Add((answer["predictions"]![0]!["predictionId"]!.GetValue<string>(), cells[4], answer["version"]!.GetValue<int>()));
        }

        Assert.Contains(predictions, p => p.Version == 2);

        // The page follows the rollout by itself: the rollback, its decision and the alias-history entry with the numbers.
        await Expect(page.Locator("[data-test=rollout]")).ToHaveAttributeAsync("data-status", "rolledBack", new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-test=decisions] [data-action=rollback]")).ToContainTextAsync("auto-rollback: p99");
        var timeline = page.Locator("[data-test=alias-timeline] [data-action=rollback]").First;
        await Expect(timeline).ToContainTextAsync("v2 → v1");
        await Expect(timeline.Locator("[data-test=reason]")).ToContainTextAsync("auto-rollback: p99");
        await Expect(timeline.Locator("[data-test=automatic]")).ToBeVisibleAsync();
        var model = (await fixture.Gateway.Http.GetFromJsonAsync<ModelHistory>($"/api/models/{Model}"))!;
        Assert.StartsWith("auto-rollback: p99", model.AliasHistory[^1].Reason, StringComparison.Ordinal);

        // Feedback for what version 1 answered: its labelled accuracy appears beside its traffic.
        var feedback = predictions.Where(p => p.Version == 1).Select(p => new { predictionId = p.Id, actual = p.Actual }).ToArray();
        (await fixture.Gateway.Http.PostAsJsonAsync($"/api/models/{Model}/feedback", new { items = feedback })).EnsureSuccessStatusCode();
        var health = await WaitForHealthAsync(v => v.Labelled >= feedback.Length);
        var window = health.Versions.Single(v => v.Version == 1).Windows.Single(w => w.Window == "5m");
        var shown = page.Locator("[data-test=health] [data-version='1']");
        await Expect(shown.Locator("[data-test=requests]")).ToHaveTextAsync(window.Requests.ToString("N0", CultureInfo.InvariantCulture));
        await Expect(shown.Locator("[data-test=accuracy]")).ToHaveTextAsync(ConsolePagesTests.Number(window.Accuracy!.Value));
        Assert.True(window.Requests > 0);
        await Expect(page.Locator("[data-test=health] [data-version='2'] [data-test=requests]")).Not.ToHaveTextAsync("0");
        await Expect(page.Locator("[data-test=traffic-chart] svg").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=latency-chart] svg").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=labels-chart] svg").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=arms] [data-arm=candidate] [data-test=requests]")).Not.ToHaveTextAsync("0");
        await Browser.ScreenshotAsync(page, "console-rollout");
    }

    [Fact]
    public async Task DatasetPage_ShowsHistogramBars_AndTheModelVersionsTrainedOnIt()
    {
        var version = (await fixture.Gateway.Http.GetFromJsonAsync<JsonObject>("/api/datasets/iris/versions/1"))!;
        var page = await fixture.OpenAsync("/datasets/iris/1");
        foreach (var column in version["columns"]!.AsArray())
        {
            var counts = column!["histogram"]!["counts"]!.AsArray().Select(c => c!.GetValue<long>()).ToList();
            var histogram = page.Locator($"[data-test=columns] [data-column='{column["name"]!.GetValue<string>()}'] [data-test=histogram]");
            await Expect(histogram).ToHaveAttributeAsync("data-counts", string.Join(',', counts));
            // One bar per bin, drawn by the chart.
            await Expect(histogram.Locator("svg path.mud-chart-bar")).ToHaveCountAsync(counts.Count);
        }

        var lineage = page.Locator("[data-test=lineage]");
        await Expect(lineage.Locator($"[data-model={Model}][data-version='1']")).ToContainTextAsync("production");
        await Expect(lineage.Locator($"[data-model={Model}][data-version='2']")).ToContainTextAsync("succeeded");
        var api = (await fixture.Gateway.Http.GetFromJsonAsync<JsonObject>("/api/datasets/iris/versions/1/models"))!;
        await Expect(lineage.Locator("tbody tr")).ToHaveCountAsync(api["models"]!.AsArray().Count);
        await Browser.ScreenshotAsync(page, "console-dataset-lineage");
    }

    [Fact]
    public async Task DatasetPage_ShowsDriftAgainstAnotherVersion_WithShiftedColumnsHighlighted()
    {
        // Version 2: the same flowers with every petal 3 cm longer.
        var lines = await File.ReadAllLinesAsync(Path.Combine(ConsoleGateway.RepositoryRoot(), "tests", "data", "iris.csv"));
        var shifted = lines.Take(1).Concat(lines.Skip(1).Where(l => l.Length > 0).Select(l =>
        {
            var cells = l.Split(',');
            cells[2] = (double.Parse(cells[2], CultureInfo.InvariantCulture) + 3).ToString(CultureInfo.InvariantCulture);
            return string.Join(',', cells);
        }));
        foreach (var csv in new[] { string.Join('\n', lines), string.Join('\n', shifted) })
        {
            using var content = new StringContent(csv, System.Text.Encoding.UTF8, "text/csv");
            (await fixture.Gateway.Http.PostAsync("/api/datasets/iris-drift", content)).EnsureSuccessStatusCode();
        }

        var drift = (await fixture.Gateway.Http.GetFromJsonAsync<JsonObject>("/api/datasets/iris-drift/versions/2/drift?against=1"))!;
        var page = await fixture.OpenAsync("/datasets/iris-drift/2");
        var table = page.Locator("[data-test=drift]");
        await Expect(table).ToHaveAttributeAsync("data-against", "1");
        foreach (var column in drift["columns"]!.AsArray())
        {
            var name = column!["column"]!.GetValue<string>();
            if (column["psi"] is { } psi)
            {
                var row = table.Locator($"[data-column='{name}']");
                await Expect(row.Locator("[data-test=psi]")).ToContainTextAsync(ConsolePagesTests.Number(psi.GetValue<double>()));
                await Expect(row).ToHaveAttributeAsync("data-shifted", psi.GetValue<double>() >= 0.2 ? "true" : "false");
            }
        }

        await Expect(table.Locator("[data-column='petal length (cm)']")).ToHaveAttributeAsync("data-shifted", "true");
        await Expect(table.Locator("[data-column='sepal length (cm)']")).ToHaveAttributeAsync("data-shifted", "false");
        await Browser.ScreenshotAsync(page, "console-dataset-drift");
    }

    [Fact]
    public async Task FeatureSetsPage_ListsTheSets_AndASetShowsItsDefinition_AndAnEntitysValuesWithTheirAge()
    {
        var definition = new
        {
            key = "customer_id", ttl = "01:00:00",
            values = new object[] { new { name = "segment", kind = "categorical", @default = "retail" }, new { name = "balance" } },
            aggregates = new[] { new { name = "tx_count_1h", op = "count", column = "amount", window = "01:00:00" } },
        };
        (await fixture.Gateway.Http.PutAsJsonAsync("/api/features/console-tx", definition)).EnsureSuccessStatusCode();
        (await fixture.Gateway.Http.PutAsJsonAsync("/api/features/console-tx/c-1001", new { values = new { segment = "premium", balance = 1520.75 } })).EnsureSuccessStatusCode();

        var page = await fixture.OpenAsync("/features");
        var listed = page.Locator("[data-test=feature-sets] [data-set=console-tx]");
        await Expect(listed).ToContainTextAsync("customer_id");
        await Expect(listed).ToContainTextAsync("tx_count_1h");
        await page.Locator("#feature-set").FillAsync("console-tx");
        await page.Locator("[data-test=open-set]").ClickAsync();
        // The console navigates within the page (no load event): the address is polled instead.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/features/console-tx$"));
        await Expect(page.Locator("[data-test=key]")).ToHaveTextAsync("customer_id");
        await Expect(page.Locator("[data-test=ttl]")).ToHaveTextAsync("01:00:00");
        await Expect(page.Locator("[data-test=feature-values] [data-value=segment]")).ToContainTextAsync("retail");
        await Expect(page.Locator("[data-test=feature-aggregates] [data-aggregate=tx_count_1h]")).ToContainTextAsync("count");

        await page.Locator("#feature-key").FillAsync("c-1001");
        await page.Locator("[data-test=read-entity]").ClickAsync();
        await Expect(page.Locator("[data-test=entity] [data-value=balance]")).ToContainTextAsync("1520.75");
        await Expect(page.Locator("[data-test=entity] [data-value=segment]")).ToContainTextAsync("premium");
        await Browser.ScreenshotAsync(page, "console-features");

        await page.Locator("#feature-set").FillAsync("no-such-set");
        await page.Locator("[data-test=open-set]").ClickAsync();
        await Expect(page.Locator("[data-test=problem]")).ToContainTextAsync("no-such-set");
    }

    private async Task<Health> WaitForHealthAsync(Func<HealthWindow, bool> version1)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var health = (await fixture.Gateway.Http.GetFromJsonAsync<Health>($"/api/models/{Model}/health"))!;
            if (health.Versions.FirstOrDefault(v => v.Version == 1)?.Windows.FirstOrDefault(w => w.Window == "5m") is { } w && version1(w))
            {
                return health;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The health of version 1 never counted the feedback.");
            }

            await Task.Delay(250);
        }
    }

    private sealed record Rollout(string Status, int Weight, int Baseline, int Candidate, List<Decision> Decisions);

    private sealed record Decision(string Action, string Reason);

    private sealed record ModelHistory(List<AliasEntry> AliasHistory);

    private sealed record AliasEntry(string Action, string? Reason);

    private sealed record Health(List<VersionHealth> Versions);

    private sealed record VersionHealth(int Version, List<HealthWindow> Windows);

    private sealed record HealthWindow(string Window, long Requests, long Labelled, double? Accuracy);
}
