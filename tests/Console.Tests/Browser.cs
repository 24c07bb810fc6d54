using Microsoft.Playwright;

namespace OrleansMl.Console.Tests;

/// <summary>
/// Headless Chromium driven by Playwright. Playwright's own browser download needs the internet, so the tests use the
/// system's Chromium: <c>ORLEANSML_CHROMIUM</c> names its executable, <c>/usr/bin/chromium</c> (Debian's package) by default.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public const string ExecutableVariable = "ORLEANSML_CHROMIUM";

    private readonly IPlaywright _playwright;

    private Browser(IPlaywright playwright, IBrowser chromium)
    {
        _playwright = playwright;
        Chromium = chromium;
    }

    public IBrowser Chromium { get; }

    /// <summary>Where screenshots go: a folder of the test output.</summary>
    public static string ScreenshotDirectory { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public static async Task<Browser> LaunchAsync()
    {
        var executable = Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"Chromium was not found at {executable}. Install Debian's chromium package (apt-get install chromium) or set {ExecutableVariable} to a Chromium executable.");
        }

        var playwright = await Playwright.CreateAsync();
        var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // No sandbox as root; no background traffic to Google's services (this machine has no internet).
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return new Browser(playwright, chromium);
    }

    /// <summary>A new tab in a fresh context (own session storage), 1400×900.</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress)
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        // Expectations wait as long as actions: a first render on a busy machine can take more than Playwright's 5 s.
        Assertions.SetDefaultExpectTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>Saves the page (scrolled to the top: the app bar is fixed) as <c>screenshots/{name}.png</c>.</summary>
    public static async Task ScreenshotAsync(IPage page, string name, bool fullPage = true)
    {
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, $"{name}.png"), FullPage = fullPage });
    }

    /// <summary>
    /// Waits for an action of the page to move it to <paramref name="url"/> (a glob: <c>**</c> any text, <c>*</c> any text
    /// without a slash); when it does not, fails with what the page shows instead (the API's problem, if it answered with
    /// one) and saves the page as <c>screenshots/{name}.png</c>. The page's URL is polled: the console navigates within
    /// the document, and a wait for a navigation event misses one that happens while the wait is being set up.
    /// </summary>
    public static async Task WaitForNavigationAsync(IPage page, string url, string name)
    {
        try
        {
            await Assertions.Expect(page).ToHaveURLAsync(Glob(url));
        }
        catch (Exception timeout) when (timeout is PlaywrightException or TimeoutException)
        {
            var problems = await page.Locator("[data-test=problem]").AllInnerTextsAsync();
            await ScreenshotAsync(page, $"{name}-stuck");
            throw new TimeoutException(
                $"The page stayed at {page.Url} instead of going to {url}; it shows {(problems.Count == 0 ? "no problem" : string.Join(" | ", problems))} (screenshots/{name}-stuck.png).",
                timeout);
        }
    }

    private static System.Text.RegularExpressions.Regex Glob(string glob) => new(
        "^" + System.Text.RegularExpressions.Regex.Escape(glob).Replace(@"\*\*", ".*", StringComparison.Ordinal).Replace(@"\*", "[^/]*", StringComparison.Ordinal) + "$");

    public async ValueTask DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright.Dispose();
    }
}
