using System.Security.Claims;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Orleans.Dashboard;
using OrleansMl.Hosting;
using OrleansMl.Gateway.Security;
using OrleansMl.Gateway.Ui.Layout;

namespace OrleansMl.Gateway.Ui;

/// <summary>
/// The web console at <c>/</c>: Blazor components rendered on the server (prerendered, then interactive over the
/// circuit), MudBlazor for components and charts, every asset served by the gateway itself.
/// </summary>
public static class ConsoleExtensions
{
    public static WebApplicationBuilder AddConsole(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Static web assets of packages (MudBlazor's CSS and JS) are served from the build output too, not only when
        // published; a published gateway has them in wwwroot and this does nothing.
        builder.WebHost.UseStaticWebAssets();
        // A page's live connection starts from the state its prerendered HTML carried, which the browser sends back in one
        // message: SignalR's default 32 kB would close the circuit of a models list past a few hundred models. 1 MB is
        // still a bound.
        builder.Services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(o => o.MaximumReceiveMessageSize = 1024 * 1024);
        builder.Services.AddMudServices();
        builder.Services.AddSingleton<GatewayAddress>();
        builder.Services.AddScoped<ConsoleSession>();
        builder.Services.AddHttpClient<ConsoleApi>(http => http.Timeout = TimeSpan.FromSeconds(60));
        builder.AddConsoleSignIn(ReadAuth(builder.Configuration));

        // One key ring for every gateway of the cluster, kept in the cluster: the console cookie, antiforgery tokens,
        // prerendered component state and stored keys hold on any replica and across restarts. The application name is
        // fixed so that replicas with different content roots share their payloads.
        builder.Services.AddDataProtection().SetApplicationName("OrleansMl");
        builder.Services.AddOptions<KeyManagementOptions>().Configure<IGrainFactory>((o, grains) => o.XmlRepository = new ClusterKeyRepository(grains));
        return builder;
    }

    /// <summary>Page requests of the console from another machine get the same answer as the API would give them.</summary>
    public static WebApplication UseConsoleAccess(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Before antiforgery: its tokens are bound to the signed-in user, whom the console cookie names.
        app.Use((context, next) => context.GetEndpoint()?.Metadata.GetMetadata<ConsoleEndpoint>() is null ? next(context) : ConsoleRequestAsync(context, next));
        app.UseAntiforgery();
        return app;
    }

    /// <summary>A console page's request: refused from another machine where no credentials are configured, else signed in as its cookie says.</summary>
    private static async Task ConsoleRequestAsync(HttpContext context, RequestDelegate next)
    {
        var auth = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        if (auth.Mode == AuthMode.Secure && !auth.CredentialsConfigured && !ApiKeyAuthenticationHandler.IsLocal(context.Connection))
        {
            await Problems.WriteAsync(context, StatusCodes.Status403Forbidden, "Only local callers",
                "This gateway has no credentials configured, so its console serves only this machine. Set OrleansMl__Auth__AdminKey "
                + "and sign in with a key, or set OrleansMl__Auth__Mode=Open to serve everyone.");
            return;
        }

        // The console's pages act for nobody themselves (their API calls carry the user's credential), so the request's
        // user is the console cookie's signed-in user or anonymous, never the API's view of the connection (a local
        // caller without a name, which antiforgery tokens cannot be bound to).
        context.User = new ClaimsPrincipal(new ClaimsIdentity());
        if (auth.OidcSignInEnabled)
        {
            await ConsoleSignIn.AuthenticateConsoleUserAsync(context);
        }

        await next(context);
    }

    /// <summary>
    /// The console's pages and circuit, open to every browser: the pages hold no data of their own, and every read and
    /// action they make is a REST call with the user's credential.
    /// </summary>
    public static WebApplication MapConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapConsoleSignIn(ReadAuth(app.Configuration));
        app.MapStaticAssets().AllowAnonymous().DisableRateLimiting().WithMetadata(new ConsoleEndpoint());
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .AllowAnonymous()
            .DisableRateLimiting()
            .WithMetadata(new ConsoleEndpoint());
        if (OrleansMlSiloExtensions.ReadDashboard(app.Configuration))
        {
            // It shows grain state and every silo's activity: admins only, like the keys.
            app.MapOrleansDashboard("/dashboard").RequireScope(Scopes.Admin).DisableRateLimiting();
        }

        return app;
    }

    /// <summary>The access settings as configured (validated at start by the options the security extension binds).</summary>
    private static AuthOptions ReadAuth(IConfiguration configuration) =>
        configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
}

/// <summary>Marks the console's endpoints: its pages, its circuit and the static assets they load.</summary>
internal sealed class ConsoleEndpoint;
