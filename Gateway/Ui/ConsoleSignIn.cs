using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Ui;

/// <summary>
/// OpenID Connect sign-in for the console (when <c>OrleansMl:Auth:Oidc:ClientId</c> is set): the authorization code flow
/// with PKCE at the API's token issuer, and an encrypted, HTTP-only cookie that holds the console session and the
/// user's tokens. The cookie is read only on the console's own endpoints — never by the API, which still takes only
/// credentials sent as headers (so a web page cannot ride on it) — and the console calls the API with the user's access
/// token as a bearer token, exactly like any other client.
/// </summary>
public static class ConsoleSignIn
{
    /// <summary>The console session's cookie scheme.</summary>
    public const string CookieScheme = "OrleansMl.Console";

    /// <summary>The OpenID Connect scheme that signs users in.</summary>
    public const string OidcScheme = "OrleansMl.Console.Oidc";

    /// <summary>Where the console starts a sign-in (<c>?returnUrl=</c> a console path).</summary>
    public const string SignInPath = "/console/signin";

    /// <summary>Where the console's sign-out form posts.</summary>
    public const string SignOutPath = "/console/signout";

    /// <summary>The claim that carries the access token into the console's circuit (added per request, never stored twice).</summary>
    public const string AccessTokenClaim = "orleansml_console_access_token";

    /// <summary>The cookie's name: distinct from any other application's on the same host (cookies ignore ports).</summary>
    public const string CookieName = ".OrleansMl.Console";

    public static WebApplicationBuilder AddConsoleSignIn(this WebApplicationBuilder builder, AuthOptions auth)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(auth);
        if (!auth.OidcSignInEnabled)
        {
            return builder;
        }

        builder.Services.AddAuthentication()
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                // Lax: sent on the redirect back from the identity provider (a top-level GET), not on other sites' requests.
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = false;
                o.Events.OnValidatePrincipal = RejectExpiredTokenAsync;
            })
            .AddOpenIdConnect(OidcScheme, o =>
            {
                o.SignInScheme = CookieScheme;
                o.SignOutScheme = CookieScheme;
                o.Authority = auth.Jwt.Authority;
                o.RequireHttpsMetadata = auth.Jwt.RequireHttpsMetadata;
                o.ClientId = auth.Oidc.ClientId;
                o.ClientSecret = string.IsNullOrEmpty(auth.Oidc.ClientSecret) ? null : auth.Oidc.ClientSecret;
                o.ResponseType = "code";
                o.UsePkce = true;
                // The code comes back as a query string on a top-level GET: no cross-site form post, which the gateway's
                // Origin check refuses and Lax cookies would not accompany.
                o.ResponseMode = "query";
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = false;
                o.SaveTokens = true;
                o.TokenValidationParameters.NameClaimType = "name";
                o.Scope.Clear();
                foreach (var scope in auth.Oidc.ScopesToRequest(auth.Jwt.ScopePrefix))
                {
                    o.Scope.Add(scope);
                }

                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.SignedOutRedirectUri = "/";
                o.Events.OnRemoteFailure = ShowRemoteFailureAsync;
            });
        return builder;
    }

    /// <summary>The sign-in and sign-out routes; none when console sign-in is off.</summary>
    public static WebApplication MapConsoleSignIn(this WebApplication app, AuthOptions auth)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(auth);
        if (!auth.OidcSignInEnabled)
        {
            return app;
        }

        app.MapGet(SignInPath, (string? returnUrl) =>
                TypedResults.Challenge(new AuthenticationProperties { RedirectUri = LocalPath(returnUrl) }, [OidcScheme]))
            .AllowAnonymous().DisableRateLimiting().ExcludeFromDescription().WithMetadata(new ConsoleEndpoint());
        app.MapPost(SignOutPath, ([FromForm] string? returnUrl) =>
                TypedResults.SignOut(new AuthenticationProperties { RedirectUri = LocalPath(returnUrl) }, [CookieScheme, OidcScheme]))
            .AllowAnonymous().DisableRateLimiting().ExcludeFromDescription().WithMetadata(new ConsoleEndpoint());
        return app;
    }

    /// <summary>
    /// On a console endpoint, the signed-in user (if any) from the console cookie, with the access token as a claim so that
    /// the circuit, which sees only the user, can call the API with it.
    /// </summary>
    internal static async Task AuthenticateConsoleUserAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(CookieScheme);
        if (result is { Succeeded: true, Principal: { } principal } && result.Properties?.GetTokenValue("access_token") is { Length: > 0 } token)
        {
            var identity = new ClaimsIdentity(principal.Claims, CookieScheme, "name", "role");
            identity.AddClaim(new Claim(AccessTokenClaim, token));
            context.User = new ClaimsPrincipal(identity);
        }
    }

    /// <summary>A relative console path, or <c>/</c>: a sign-in never redirects to another site.</summary>
    internal static string LocalPath(string? url) =>
        url is { Length: > 0 and <= 2048 } && url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            && Uri.IsWellFormedUriString(url, UriKind.Relative)
            ? url
            : "/";

    /// <summary>A session whose access token has expired ends: the console then offers to sign in again.</summary>
    private static async Task RejectExpiredTokenAsync(CookieValidatePrincipalContext context)
    {
        if (context.Properties.GetTokenValue("expires_at") is { } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expires)
            && expires <= (context.HttpContext.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow())
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme);
        }
    }

    /// <summary>
    /// A refused or failed sign-in (the user declined, the provider answered an error, the state cookie was lost) is
    /// answered as a problem naming what the provider said, instead of an exception page.
    /// </summary>
    private static async Task ShowRemoteFailureAsync(RemoteFailureContext context)
    {
        context.HandleResponse();
        await Problems.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Sign-in failed",
            $"The identity provider's sign-in did not complete: {context.Failure?.Message ?? "no reason given"}. Open the console again to retry.");
    }
}
