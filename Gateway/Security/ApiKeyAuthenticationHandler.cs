using System.Net;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore.Authentication;

namespace OrleansMl.Gateway.Security;

/// <summary>
/// Authenticates <c>X-Api-Key: &lt;key&gt;</c> and <c>Authorization: Bearer &lt;key&gt;</c> against the in-memory
/// <see cref="KeyTable"/>, and callers without credentials by the rules of <see cref="AuthMode"/>. It also answers
/// every challenge: 401 with <c>WWW-Authenticate</c> (on <c>/mcp</c> naming the protected resource metadata), 403 for a
/// remote caller of a gateway that serves only this machine, 503 when stored keys cannot be checked yet.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    KeyTable keys,
    IOptions<AuthOptions> auth) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    public const string HeaderName = "X-Api-Key";

    /// <summary>The caller of a gateway without credentials configured, on this machine: may do everything.</summary>
    public static readonly CallerAccess Local = new(null, null, ScopeSets.All, [], "an anonymous local caller", "Local");

    /// <summary>A caller without credentials of a gateway in <see cref="AuthMode.Open"/>: may do everything.</summary>
    public static readonly CallerAccess Open = new(null, null, ScopeSets.All, [], "an anonymous caller", "Open");

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(Authenticate());

    private AuthenticateResult Authenticate()
    {
        var settings = auth.Value;
        if (settings.Mode == AuthMode.Secure && !settings.CredentialsConfigured && !IsLocal(Context.Connection))
        {
            return AuthenticateResult.Fail(new RemoteCallerException());
        }

        if (!TryReadCredential(Request, out var secret))
        {
            return AuthenticateResult.Fail("Send one credential: either an X-Api-Key header or an Authorization: Bearer header.");
        }

        if (secret.IsEmpty)
        {
            return settings.Mode == AuthMode.Open ? Success(Open)
                : !settings.CredentialsConfigured ? Success(Local)
                : AuthenticateResult.NoResult();
        }

        return keys.Find(secret, out var access, out var key) switch
        {
            KeyStatus.Valid => Success(access!),
            KeyStatus.Revoked => AuthenticateResult.Fail($"The API key '{key!.Name}' ({key.Id}) was revoked at {key.RevokedAt:u}."),
            KeyStatus.Expired => AuthenticateResult.Fail($"The API key '{key!.Name}' ({key.Id}) expired at {key.ExpiresAt:u}."),
            KeyStatus.Unavailable => AuthenticateResult.Fail(new KeysUnavailableException()),
            _ => AuthenticateResult.Fail("The API key is not valid."),
        };
    }

    private AuthenticateResult Success(CallerAccess access) =>
        AuthenticateResult.Success(new AuthenticationTicket(access.Principal, Scheme.Name));

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = await FailureAsync();
        if (failure is RemoteCallerException or KeysUnavailableException)
        {
            var status = failure is RemoteCallerException ? StatusCodes.Status403Forbidden : StatusCodes.Status503ServiceUnavailable;
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                Response.Headers.RetryAfter = "2";
            }

            await Problems.WriteAsync(Context, status, status == 403 ? "Only local callers" : "Keys not loaded", failure.Message);
            return;
        }

        if (Request.Path.StartsWithSegments("/mcp"))
        {
            // As the MCP authorization specification asks: 401 with WWW-Authenticate naming the protected resource metadata.
            await Context.ChallengeAsync(McpAuthenticationDefaults.AuthenticationScheme, properties);
            return;
        }

        var header = "Bearer realm=\"OrleansMl\"";
        if (failure is not null)
        {
            header += $", error=\"invalid_token\", error_description=\"{failure.Message.Replace("\"", "'", StringComparison.Ordinal)}\"";
        }

        Response.Headers.WWWAuthenticate = header;
        await Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized, failure is null ? "Credentials required" : "Invalid credentials",
            failure?.Message ?? $"Send an API key as '{HeaderName}: <key>' or 'Authorization: Bearer <key>'"
                + (auth.Value.JwtEnabled ? ", or an OIDC access token as 'Authorization: Bearer <token>'." : "."));
    }

    /// <summary>Why authentication failed: this handler's own result, or the token handler's when a token was sent.</summary>
    private async Task<Exception?> FailureAsync()
    {
        // Both results are cached per request: nothing is validated twice.
        var result = auth.Value.JwtEnabled && SelectScheme(Context) == JwtBearerDefaults.AuthenticationScheme
            ? await Context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme)
            : await HandleAuthenticateOnceSafeAsync();
        return result.Failure;
    }

    /// <summary>
    /// The scheme that authenticates a request when OIDC is on: a bearer value shaped like a JWT (two or four dots) goes to
    /// the token handler; an API key (ours have no dots) and every other request to this handler.
    /// </summary>
    public static string SelectScheme(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers.ContainsKey(HeaderName))
        {
            return SchemeName;
        }

        var authorization = headers.Authorization.ToString().AsSpan();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var dots = authorization[7..].Trim().Count('.');
            if (dots is 2 or 4)
            {
                return JwtBearerDefaults.AuthenticationScheme;
            }
        }

        return SchemeName;
    }

    /// <summary>
    /// The key in <c>X-Api-Key</c> or the bearer value of <c>Authorization</c> (empty when there is none). False when the
    /// request sends several values, or both headers with different credentials.
    /// </summary>
    private static bool TryReadCredential(HttpRequest request, out ReadOnlySpan<char> secret)
    {
        secret = default;
        var apiKey = request.Headers[HeaderName];
        var authorization = request.Headers.Authorization;
        if (apiKey.Count > 1 || authorization.Count > 1)
        {
            return false;
        }

        ReadOnlySpan<char> bearer = default;
        if (authorization.Count == 1)
        {
            var value = authorization[0].AsSpan();
            if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            bearer = value[7..].Trim();
        }

        if (apiKey.Count == 1)
        {
            secret = apiKey[0].AsSpan().Trim();
            return bearer.IsEmpty || bearer.SequenceEqual(secret);
        }

        secret = bearer;
        return true;
    }

    /// <summary>
    /// A caller on this machine. A connection without an IP address (a Unix socket, a named pipe, the in-memory test
    /// server) is local by nature. The address is the connection's own, never a header a client could forge.
    /// </summary>
    public static bool IsLocal(ConnectionInfo connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.RemoteIpAddress is not { } address)
        {
            return true;
        }

        return IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }

    /// <summary>A remote caller of a gateway that serves only this machine.</summary>
    private sealed class RemoteCallerException() : Exception(
        "This gateway has no credentials configured, so it serves only callers on its own machine. Set OrleansMl__Auth__AdminKey "
        + "(or OrleansMl__Auth__Jwt__Authority and __Audience) and send a key, or set OrleansMl__Auth__Mode=Open to serve everyone.");

    private sealed class KeysUnavailableException() : Exception(
        "The gateway cannot check stored API keys right now (the key table is not loaded or could not be refreshed for a minute). Try again shortly.");
}
