using System.Net.Http.Json;
using Microsoft.Playwright;

namespace OrleansMl.Console.Tests;

/// <summary>
/// One gateway with an admin key and real data — the iris dataset and a model with two trained versions, v1 promoted
/// to production — and one Chromium, shared by the console tests.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string AdminKey = "console-tests-admin-key-0123456789abcdef";
    public const string Model = "iris-species";

    public ConsoleGateway Gateway { get; private set; } = null!;

    public Browser Browser { get; private set; } = null!;

    public VersionState First { get; private set; } = null!;

    public VersionState Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Browser = await Browser.LaunchAsync();
        Gateway = await ConsoleGateway.StartAsync(AdminKey, "--OrleansMl:TrainingConcurrency=1");
        await Gateway.UploadAsync("iris", "iris.csv");
        var first = await Gateway.TrainAsync(Model, new { dataset = "iris", label = "target", algorithm = "linear", seed = 1 });
        var second = await Gateway.TrainAsync(Model, new { dataset = "iris", label = "target", algorithm = "fasttree", seed = 2 });
        First = await Gateway.WaitAsync(Model, first);
        Second = await Gateway.WaitAsync(Model, second);
        (await Gateway.Http.PutAsJsonAsync($"/api/models/{Model}/aliases/production", new { version = first, reason = "first model" })).EnsureSuccessStatusCode();
    }

    /// <summary>Opens <paramref name="path"/> in a fresh tab, signs in with <paramref name="key"/>, and waits for the circuit.</summary>
    public async Task<IPage> OpenAsync(string path, string key = AdminKey)
    {
        var page = await Browser.NewPageAsync(Gateway.Address);
        await page.GotoAsync(path);
        await SignInAsync(page, key);
        return page;
    }

    /// <summary>Signs in when the console asks for a key, then waits until the page is interactive.</summary>
    public static async Task SignInAsync(IPage page, string key)
    {
        await page.Locator("[data-interactive=true]").WaitForAsync();
        if (await page.Locator("#api-key").CountAsync() > 0)
        {
            await page.Locator("#api-key").FillAsync(key);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await page.Locator("[data-test=caller]").WaitForAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Browser.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}
