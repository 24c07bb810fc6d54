using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OrleansMl.Tests.Support;
using Oidc = OpenIddict.Abstractions.OpenIddictConstants;

namespace OrleansMl.Console.Tests;

/// <summary>
/// A real OpenID Connect provider in the test process: OpenIddict's server (authorization code flow with PKCE required,
/// end session, discovery, signing keys) over an in-memory Entity Framework store that holds the console's client
/// registration, listening on a free loopback port. Users sign in on its own login form; each user has the API scopes
/// the provider grants them, and access tokens are JWTs for the <see cref="Audience"/> resource.
/// </summary>
public sealed class IdentityProvider : IAsyncDisposable
{
    public const string Audience = "orleansml";
    public const string ScopePrefix = "orleansml.";
    public const string ClientId = "orleansml-console";
    public const string Password = "correct horse battery staple";

    private const string LoginCookie = "IdentityProvider.Login";

    /// <summary>The provider's users: subject, display name and the API scopes it grants them.</summary>
    public static readonly IReadOnlyDictionary<string, (string Name, string[] Scopes)> Users = new Dictionary<string, (string, string[])>
    {
        ["alice"] = ("Alice Example", ["read", "train", "deploy"]),
        ["bob"] = ("Bob Reader", ["read"]),
    };

    private readonly WebApplication _app;

    private IdentityProvider(WebApplication app, Uri issuer)
    {
        _app = app;
        Issuer = issuer;
    }

    /// <summary>The issuer (with its trailing slash, as the provider's discovery document names it).</summary>
    public Uri Issuer { get; }

    private int _loginFormsShown;

    /// <summary>How many authorization requests the provider answered with its login form (nobody signed in yet).</summary>
    public int LoginFormsShown => Volatile.Read(ref _loginFormsShown);

    public static async Task<IdentityProvider> StartAsync()
    {
        var port = TcpPorts.Free();
        var issuer = new Uri($"http://127.0.0.1:{port}/");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(issuer.ToString().TrimEnd('/'));
        builder.Logging.ClearProviders();
        var database = Guid.NewGuid().ToString("N");
        builder.Services.AddDbContext<ProviderStore>(o =>
        {
            o.UseInMemoryDatabase(database);
            o.UseOpenIddict();
        });
        builder.Services.AddAuthentication().AddCookie(LoginCookie, o => o.Cookie.Name = ".IdentityProvider.Login");
        builder.Services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<ProviderStore>())
            .AddServer(o =>
            {
                o.SetIssuer(issuer);
                o.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetEndSessionEndpointUris("connect/endsession");
                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                o.RegisterScopes([Oidc.Scopes.OpenId, Oidc.Scopes.Profile, .. OrleansMl.Scopes.All.Select(s => ScopePrefix + s)]);
                o.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
                // Access tokens as signed JWTs (not encrypted), as resource servers with a JWT bearer handler read them.
                o.DisableAccessTokenEncryption();
                o.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .DisableTransportSecurityRequirement();
            });

        var app = builder.Build();
        var provider = new IdentityProvider(app, issuer);
        app.UseAuthentication();
        app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], (Delegate)provider.AuthorizeAsync);
        app.MapMethods("/connect/endsession", [HttpMethods.Get, HttpMethods.Post], (Delegate)EndSessionAsync);
        app.MapPost("/login", (Delegate)LoginAsync);
        await app.StartAsync();
        return provider;
    }

    /// <summary>Registers the console of the gateway at <paramref name="gateway"/> as a public client (PKCE, no secret).</summary>
    public async Task RegisterConsoleAsync(Uri gateway)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = ClientId,
            ClientType = Oidc.ClientTypes.Public,
            DisplayName = "OrleansMl console",
            RedirectUris = { new Uri(gateway, "/signin-oidc") },
            PostLogoutRedirectUris = { new Uri(gateway, "/signout-callback-oidc") },
            Permissions =
            {
                Oidc.Permissions.Endpoints.Authorization,
                Oidc.Permissions.Endpoints.Token,
                Oidc.Permissions.Endpoints.EndSession,
                Oidc.Permissions.GrantTypes.AuthorizationCode,
                Oidc.Permissions.ResponseTypes.Code,
                Oidc.Permissions.Scopes.Profile,
            },
            Requirements = { Oidc.Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var apiScope in OrleansMl.Scopes.All)
        {
            descriptor.Permissions.Add(Oidc.Permissions.Prefixes.Scope + ScopePrefix + apiScope);
        }

        await applications.CreateAsync(descriptor);
    }

    /// <summary>
    /// The authorization endpoint: without a signed-in user, the login form; with one, a code for the scopes asked that
    /// the user holds (OpenIddict checks the client, the redirect address and PKCE before this runs).
    /// </summary>
    private async Task<IResult> AuthorizeAsync(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var login = await context.AuthenticateAsync(LoginCookie);
        if (!login.Succeeded || login.Principal.Identity?.Name is not { } subject || !Users.TryGetValue(subject, out var user))
        {
            Interlocked.Increment(ref _loginFormsShown);
            var back = WebUtility.HtmlEncode(context.Request.PathBase + context.Request.Path + context.Request.QueryString);
            return Results.Content(
                $"""
                <!DOCTYPE html><html><head><title>Identity provider sign-in</title></head><body>
                <h1>Sign in</h1>
                <form method="post" action="/login">
                  <input type="hidden" name="returnUrl" value="{back}" />
                  <label>User <input id="username" name="username" /></label>
                  <label>Password <input id="password" name="password" type="password" /></label>
                  <button type="submit">Continue</button>
                </form></body></html>
                """,
                "text/html");
        }

        var granted = request.GetScopes()
            .Where(s => s is Oidc.Scopes.OpenId or Oidc.Scopes.Profile || (s.StartsWith(ScopePrefix, StringComparison.Ordinal) && user.Scopes.Contains(s[ScopePrefix.Length..])))
            .ToList();
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Oidc.Claims.Name, Oidc.Claims.Role);
        identity.SetClaim(Oidc.Claims.Subject, subject).SetClaim(Oidc.Claims.Name, user.Name);
        identity.SetScopes(granted);
        identity.SetResources(Audience);
        identity.SetDestinations(_ => [Oidc.Destinations.AccessToken, Oidc.Destinations.IdentityToken]);
        return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>Ends the provider's own session, then returns to the client's post-logout address.</summary>
    private static async Task<IResult> EndSessionAsync(HttpContext context)
    {
        await context.SignOutAsync(LoginCookie);
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    /// <summary>The login form's post: a known user with the password gets the provider's session and goes back to the request.</summary>
    private static async Task<IResult> LoginAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        var subject = form["username"].ToString();
        var back = form["returnUrl"].ToString();
        if (!Users.ContainsKey(subject) || form["password"] != Password || !back.StartsWith("/connect/authorize", StringComparison.Ordinal))
        {
            return Results.Content("<!DOCTYPE html><html><body><p id=\"error\">Unknown user or wrong password.</p></body></html>", "text/html", statusCode: 401);
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, subject)], LoginCookie);
        await context.SignInAsync(LoginCookie, new ClaimsPrincipal(identity));
        return Results.Redirect(back);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The provider's store: OpenIddict's applications, authorizations, scopes and tokens.</summary>
    private sealed class ProviderStore(DbContextOptions<ProviderStore> options) : DbContext(options);
}
