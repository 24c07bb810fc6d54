using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OrleansMl.Console.Tests;

/// <summary>
/// A gateway without credentials (on loopback it is open, as the REST API is), with the Orleans Dashboard on and a
/// registry of 100 models × 20 versions: every page loads within a generous bound, the figures are written out, and the
/// model page reads the model once per load (the circuit starts from what the prerendered page read).
/// </summary>
public sealed class ConsoleScaleTests(ConsoleScaleTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<ConsoleScaleTests.Fixture>
{
    public const int Models = 100;
    public const int VersionsPerModel = 20;

    /// <summary>
    /// The budget is 1 s for a page to show its content (the browser's largest contentful paint, measured on an idle
    /// machine and reported by this test); the test fails when the driver has not found the content within five times
    /// that, and at eight times it for the page to become interactive: bounds a loaded machine stays under.
    /// </summary>
    private static readonly TimeSpan ContentBound = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan InteractiveBound = TimeSpan.FromSeconds(8);

    /// <summary>The page's largest contentful paint so far, in milliseconds from the start of its navigation.</summary>
    private const string LargestContentfulPaint = """
        () => new Promise(resolve => new PerformanceObserver((list, observer) => {
            const entries = list.getEntries();
            observer.disconnect();
            resolve(entries[entries.length - 1].startTime);
        }).observe({ type: 'largest-contentful-paint', buffered: true }))
        """;

    [Fact]
    public async Task EveryPage_LoadsWithinTheBound_With100ModelsOf20Versions()
    {
        var lines = new List<string>
        {
            $"Page load with {Models} models x {VersionsPerModel} versions, first visits (median of 5; painted = the browser's largest contentful paint of "
            + "the server-rendered page, found = the test driver sees the content, interactive = the live connection is up)",
        };
        var model = $"m{Models / 2:000}";
        foreach (var (path, content, html) in new[]
        {
            ("/", $"[data-model={model}]", $"data-model=\"{model}\""),
            ($"/models/{model}", $"[data-test=versions] [data-version='{VersionsPerModel}']", $"data-version=\"{VersionsPerModel}\""),
            ($"/models/{model}/rollout", "[data-test=rollout-form] [data-test=start-rollout]", "data-test=\"start-rollout\""),
            ("/jobs", "[data-test=recent-jobs] tbody tr", "data-test=\"recent-jobs\""),
            ("/datasets", "[data-dataset=iris]", "data-dataset=\"iris\""),
            ("/datasets/iris/1", "[data-test=lineage] tbody tr", "data-test=\"lineage\""),
        })
        {
            var paintTimes = new List<double>();
            var contentTimes = new List<double>();
            var interactiveTimes = new List<double>();
            var tabTimes = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                // A fresh browser context (nothing cached, no cookies) whose tab has shown one tiny page of the gateway: the
                // browser's own start of a tab (its renderer process) is not the page's load.
                var page = await fixture.Browser.NewPageAsync(fixture.Gateway.Address);
                var tab = Stopwatch.StartNew();
                await page.GotoAsync("/health/live");
                tabTimes.Add(tab.Elapsed.TotalMilliseconds);
                var watch = Stopwatch.StartNew();
                var response = await page.GotoAsync(path);
                await page.Locator(content).First.WaitForAsync();
                contentTimes.Add(watch.Elapsed.TotalMilliseconds);

                // The content is in the server-rendered page, so the browser's own largest contentful paint (from the start
                // of the navigation) is when it showed it; the driver finds it later, its checks queued behind the page's
                // scripts on the same thread.
                Assert.Contains(html, await response!.TextAsync(), StringComparison.Ordinal);
                paintTimes.Add(await page.EvaluateAsync<double>(LargestContentfulPaint));
                await page.Locator("[data-interactive=true]").WaitForAsync();
                interactiveTimes.Add(watch.Elapsed.TotalMilliseconds);
                if (i == 0 && path == "/")
                {
                    Assert.Equal(Models, await page.Locator("[data-test=models] tbody tr").CountAsync());
                }

                if (i == 0 && path == "/datasets/iris/1")
                {
                    // The page reads the newest 50 and how many there are, not the whole lineage.
                    Assert.Equal(50, await page.Locator("[data-test=lineage] tbody tr").CountAsync());
                    await Expect(page.Locator("[data-test=lineage-more]")).ToContainTextAsync(
                        string.Create(CultureInfo.InvariantCulture, $"The newest 50 of {Models * VersionsPerModel:N0} model versions"));
                }

                await page.Context.CloseAsync();
            }

            var line = string.Create(CultureInfo.InvariantCulture,
                $"{path,-20} painted {Median(paintTimes),5:0} ms   found {Median(contentTimes),5:0} ms   interactive {Median(interactiveTimes),5:0} ms   (the tab's first tiny page {Median(tabTimes),4:0} ms)");
            lines.Add(line);
            output.WriteLine(line);
            Assert.True(Median(contentTimes) < ContentBound.TotalMilliseconds, $"{path} took {Median(contentTimes):0} ms to show its content.");
            Assert.True(Median(interactiveTimes) < InteractiveBound.TotalMilliseconds, $"{path} took {Median(interactiveTimes):0} ms to become interactive.");
        }

        await File.WriteAllLinesAsync(Path.Combine(Browser.ScreenshotDirectory, "console-load-times.txt"), lines);
        var models = await fixture.Browser.NewPageAsync(fixture.Gateway.Address);
        await models.GotoAsync($"/models/{model}");
        await models.Locator("[data-interactive=true]").WaitForAsync();
        await Browser.ScreenshotAsync(models, "scale-model");
    }

    [Fact]
    public async Task OpenGateway_NeedsNoKey_AndLinksTheOrleansDashboard()
    {
        var page = await fixture.Browser.NewPageAsync(fixture.Gateway.Address);
        await page.GotoAsync("/");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await Expect(page.Locator("[data-test=caller]")).ToContainTextAsync("an anonymous local caller");
        Assert.Equal(0, await page.Locator("#api-key").CountAsync());

        var cluster = page.GetByRole(AriaRole.Link, new() { Name = "Cluster" });
        Assert.Equal("/dashboard/", await cluster.GetAttributeAsync("href"));
        var dashboard = await page.Context.NewPageAsync();
        await dashboard.GotoAsync("/dashboard/");
        await Expect(dashboard).ToHaveTitleAsync("Orleans Dashboard");
        // The dashboard's own data comes from the silo's grains through the gateway.
        var response = await fixture.Gateway.Http.GetAsync("/dashboard/DashboardCounters");
        Assert.True(response.IsSuccessStatusCode, $"GET /dashboard/DashboardCounters answered {(int)response.StatusCode}");
        await dashboard.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Browser.ScreenshotAsync(dashboard, "dashboard");
    }

    [Fact]
    public async Task ModelPage_ReadsTheModelOnce_WhenItBecomesInteractive()
    {
        const string route = "/api/models/{name}";
        var before = await RequestCountAsync(route);
        var page = await fixture.Browser.NewPageAsync(fixture.Gateway.Address);
        await page.GotoAsync($"/models/m{Models / 3:000}");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await Expect(page.Locator("[data-test=no-schedule]")).ToBeVisibleAsync();
        await page.Context.CloseAsync();

        // The prerendered page reads the model; the circuit starts from what it read instead of asking again.
        Assert.Equal(1, await RequestCountAsync(route) - before);
    }

    /// <summary>How many requests the gateway has answered on <paramref name="route"/>, from its own HTTP metrics.</summary>
    private async Task<long> RequestCountAsync(string route)
    {
        var text = await fixture.Gateway.Http.GetStringAsync("/metrics");
        return text.Split('\n')
            .Where(l => l.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
                && l.Contains($"http_route=\"{route}\"", StringComparison.Ordinal))
            .Sum(l => (long)double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>The gateway, seeded through the REST API: each version is queued and cancelled at once, as training 2,000 would take long.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public ConsoleGateway Gateway { get; private set; } = null!;

        public Browser Browser { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Browser = await Browser.LaunchAsync();
            Gateway = await ConsoleGateway.StartAsync(null, "--OrleansMl:TrainingConcurrency=1", "--OrleansMl:Dashboard=true");
            await Gateway.UploadAsync("iris", "iris.csv");
            var work = Enumerable.Range(0, Models).Select(m => $"m{m:000}");
            await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (model, ct) =>
            {
                for (var v = 0; v < VersionsPerModel; v++)
                {
                    var version = await Gateway.TrainAsync(model, new { dataset = "iris", label = "target", algorithm = "linear", seed = v });
                    (await Gateway.Http.PostAsync($"/api/models/{model}/versions/{version}/cancel", null, ct)).EnsureSuccessStatusCode();
                }
            });
        }

        public async Task DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Browser.DisposeAsync();
        }
    }
}
