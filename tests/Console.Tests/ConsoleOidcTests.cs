using System.Net.Http.Json;
using Microsoft.Playwright;
using OrleansMl.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace OrleansMl.Console.Tests;

/// <summary>
/// Console sign-in with OpenID Connect against a real provider (<see cref="IdentityProvider"/>, OpenIddict) in Chromium:
/// the user signs in on the provider's page, the console calls the API with their access token and shows what their
/// scopes allow, the API records them as the author of what they change, and sign-out ends both sessions.
/// </summary>
public sealed class ConsoleOidcTests(ConsoleOidcTests.Fixture fixture) : IClassFixture<ConsoleOidcTests.Fixture>
{
    private const string Model = "oidc-iris";

    [Fact]
    public async Task SignedInUser_ActsWithTheirOwnScopes_AndSignsOut()
    {
        var page = await fixture.Browser.NewPageAsync(fixture.Gateway.Address);
        await page.GotoAsync($"/models/{Model}");
        await SignInAsync(page, "alice");

        // Back on the page they asked for, as themselves, with the scopes the provider granted.
        await page.WaitForURLAsync($"**/models/{Model}");
        await Expect(page.Locator("[data-test=caller]")).ToContainTextAsync("Alice Example · read, train, deploy");
        await Expect(page.Locator("[data-test=versions] [data-version='1']")).ToContainTextAsync("succeeded");

        // A promotion made through the console is the user's: the API records the token's subject. (The page came back
        // prerendered from the sign-in; its form acts once the page is interactive.)
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await page.Locator("#reason").FillAsync("signed in with OIDC");
        await page.Locator("[data-test=promote]").ClickAsync();
        await Expect(page.Locator("[data-test=alias-done]")).ToContainTextAsync("production now serves v1");
        await Expect(page.Locator("[data-test=alias-timeline] [data-action=promote]").First).ToContainTextAsync("by alice");
        var model = await fixture.Gateway.Http.GetFromJsonAsync<ModelHistory>($"/api/models/{Model}");
        Assert.Equal("alice", model!.AliasHistory[^1].By);
        await Browser.ScreenshotAsync(page, "oidc-signed-in");

        // A reload keeps the session (the cookie), without the provider's form.
        var forms = fixture.Provider.LoginFormsShown;
        await page.ReloadAsync();
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await Expect(page.Locator("[data-test=caller]")).ToContainTextAsync("Alice Example");
        Assert.Equal(forms, fixture.Provider.LoginFormsShown);

        // Sign-out ends the console session and the provider's: signing in again asks for the password again.
        await page.Locator("[data-test=signout-form] button").ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/" && new Uri(url).Authority == fixture.Gateway.Address.Authority);
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await Expect(page.Locator("[data-test=provider-signin]")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("[data-test=caller]").CountAsync());
        await page.Locator("[data-test=provider-signin]").ClickAsync();
        await Expect(page.Locator("#username")).ToBeVisibleAsync();
        Assert.Equal(forms + 1, fixture.Provider.LoginFormsShown);
    }

    [Fact]
    public async Task ReadOnlyUser_SeesTheModel_ButNoActions()
    {
        var page = await fixture.Browser.NewPageAsync(fixture.Gateway.Address);
        await page.GotoAsync($"/models/{Model}");
        await SignInAsync(page, "bob");
        await page.WaitForURLAsync($"**/models/{Model}");
        await Expect(page.Locator("[data-test=caller]")).ToContainTextAsync("Bob Reader · read");
        await Expect(page.Locator("[data-test=versions] [data-version='1']")).ToContainTextAsync("succeeded");
        await Expect(page.Locator("[data-test=deploy-hidden]")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("[data-test=promote]").CountAsync());
    }

    [Fact]
    public async Task WrongPassword_StaysAtTheProvider_AndTheConsoleStillAsks()
    {
        var page = await fixture.Browser.NewPageAsync(fixture.Gateway.Address);
        await page.GotoAsync("/");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await page.Locator("[data-test=provider-signin]").ClickAsync();
        await page.Locator("#username").FillAsync("alice");
        await page.Locator("#password").FillAsync("not the password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Expect(page.Locator("#error")).ToContainTextAsync("wrong password");

        await page.GotoAsync(fixture.Gateway.Address.ToString());
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await Expect(page.Locator("[data-test=provider-signin]")).ToBeVisibleAsync();
        // The API key form stays beside it.
        await Expect(page.Locator("#api-key")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ConsoleSignIn_WithoutTokenSettings_RefusesToStart_NamingThem()
    {
        var data = Path.Combine(Path.GetTempPath(), "orleansml-console-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayProcess.StartAsync(data, $"--OrleansMl:Auth:Oidc:ClientId={IdentityProvider.ClientId}"));
            Assert.Contains("OrleansMl__Auth__Oidc__ClientId", failure.Message, StringComparison.Ordinal);
            Assert.Contains("OrleansMl__Auth__Jwt__Authority", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    /// <summary>Clicks the console's provider button and signs in on the provider's form.</summary>
    private static async Task SignInAsync(IPage page, string user)
    {
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await page.Locator("[data-test=provider-signin]").ClickAsync();
        await page.Locator("#username").FillAsync(user);
        await page.Locator("#password").FillAsync(IdentityProvider.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.Locator("[data-test=caller]").WaitForAsync();
    }

    private sealed record ModelHistory(List<AliasChange> AliasHistory);

    private sealed record AliasChange(string Action, string? By);

    /// <summary>The provider, then a gateway whose API takes its tokens and whose console signs in with it; one trained version.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public IdentityProvider Provider { get; private set; } = null!;

        public ConsoleGateway Gateway { get; private set; } = null!;

        public Browser Browser { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Browser = await Browser.LaunchAsync();
            Provider = await IdentityProvider.StartAsync();
            Gateway = await ConsoleGateway.StartAsync(
                ConsoleFixture.AdminKey,
                "--OrleansMl:TrainingConcurrency=1",
                $"--OrleansMl:Auth:Jwt:Authority={Provider.Issuer}",
                $"--OrleansMl:Auth:Jwt:Audience={IdentityProvider.Audience}",
                $"--OrleansMl:Auth:Jwt:ScopePrefix={IdentityProvider.ScopePrefix}",
                "--OrleansMl:Auth:Jwt:RequireHttpsMetadata=false",
                $"--OrleansMl:Auth:Oidc:ClientId={IdentityProvider.ClientId}");
            await Provider.RegisterConsoleAsync(Gateway.Address);
            await Gateway.UploadAsync("iris", "iris.csv");
            var version = await Gateway.TrainAsync(Model, new { dataset = "iris", label = "target", algorithm = "linear", seed = 1 });
            await Gateway.WaitAsync(Model, version);
        }

        public async Task DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Provider.DisposeAsync();
            await Browser.DisposeAsync();
        }
    }
}
