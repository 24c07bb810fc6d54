using System.ComponentModel.DataAnnotations;

namespace OrleansMl.Gateway.Security;

/// <summary>Access control (section <c>OrleansMl:Auth</c>; environment variables <c>OrleansMl__Auth__Name</c>).</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "OrleansMl:Auth";

    /// <summary>The shortest admin key accepted.</summary>
    public const int MinAdminKeyLength = 32;

    /// <summary>The longest credential the gateway looks at; anything longer is refused without hashing.</summary>
    public const int MaxCredentialLength = 4096;

    /// <summary>
    /// An operator-chosen secret of at least 32 characters that acts as an admin key (<c>OrleansMl__Auth__AdminKey</c>).
    /// It comes from configuration only and is never stored.
    /// </summary>
    public string? AdminKey { get; set; }

    /// <summary><c>Secure</c> (default) or <c>Open</c> (<c>OrleansMl__Auth__Mode</c>).</summary>
    public AuthMode Mode { get; set; } = AuthMode.Secure;

    /// <summary>OIDC bearer tokens (<c>OrleansMl__Auth__Jwt__*</c>).</summary>
    public JwtAuthOptions Jwt { get; set; } = new();

    /// <summary>Interactive sign-in for the console (<c>OrleansMl__Auth__Oidc__*</c>); on when a client id is set.</summary>
    public OidcSignInOptions Oidc { get; set; } = new();

    /// <summary>Whether <c>/metrics</c> needs the <c>read</c> scope (<c>OrleansMl__Auth__ProtectMetrics</c>); open by default.</summary>
    public bool ProtectMetrics { get; set; }

    /// <summary>True when an OIDC authority and audience are configured.</summary>
    public bool JwtEnabled => !string.IsNullOrWhiteSpace(Jwt.Authority) && !string.IsNullOrWhiteSpace(Jwt.Audience);

    /// <summary>True when the console signs users in with OpenID Connect: a client id is set (and OIDC tokens are on).</summary>
    public bool OidcSignInEnabled => !string.IsNullOrWhiteSpace(Oidc.ClientId);

    /// <summary>True when callers can prove who they are: an admin key or OIDC is configured.</summary>
    public bool CredentialsConfigured => !string.IsNullOrEmpty(AdminKey) || JwtEnabled;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AdminKey is { Length: > 0 } key && (key.Length < MinAdminKeyLength || key.Length > MaxCredentialLength || key.Any(char.IsWhiteSpace)))
        {
            yield return new ValidationResult(
                $"OrleansMl:Auth:AdminKey must be {MinAdminKeyLength} to {MaxCredentialLength} characters without spaces (it has {key.Length}): "
                + "set OrleansMl__Auth__AdminKey to a long random secret, e.g. the output of 'openssl rand -base64 32'.",
                [nameof(AdminKey)]);
        }

        var authority = !string.IsNullOrWhiteSpace(Jwt.Authority);
        var audience = !string.IsNullOrWhiteSpace(Jwt.Audience);
        if (authority != audience)
        {
            yield return new ValidationResult(
                "OIDC needs both OrleansMl__Auth__Jwt__Authority (the token issuer, e.g. https://login.example.com/realms/ml) and "
                + $"OrleansMl__Auth__Jwt__Audience (the audience tokens are issued for); only {(authority ? "the authority" : "the audience")} is set.",
                [nameof(Jwt)]);
        }

        if (authority && !Uri.TryCreate(Jwt.Authority, UriKind.Absolute, out _))
        {
            yield return new ValidationResult(
                $"OrleansMl:Auth:Jwt:Authority '{Jwt.Authority}' is not an absolute URL: set OrleansMl__Auth__Jwt__Authority to the issuer, e.g. https://login.example.com/realms/ml.",
                [nameof(Jwt)]);
        }

        foreach (var error in Oidc.Validate(JwtEnabled))
        {
            yield return new ValidationResult(error, [nameof(Oidc)]);
        }
    }
}

/// <summary>OIDC bearer-token validation (section <c>OrleansMl:Auth:Jwt</c>).</summary>
public sealed class JwtAuthOptions
{
    /// <summary>The token issuer; its OpenID configuration supplies the signing keys (<c>OrleansMl__Auth__Jwt__Authority</c>).</summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must be issued for (<c>OrleansMl__Auth__Jwt__Audience</c>).</summary>
    public string? Audience { get; set; }

    /// <summary>Fetch the issuer's metadata over HTTPS only (<c>OrleansMl__Auth__Jwt__RequireHttpsMetadata</c>).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// A prefix the identity provider puts before our scope names, stripped before they are read
    /// (<c>OrleansMl__Auth__Jwt__ScopePrefix</c>, e.g. <c>orleansml.</c> for <c>orleansml.read</c>).
    /// </summary>
    public string ScopePrefix { get; set; } = string.Empty;

    /// <summary>
    /// The claim that limits a token to model and dataset name patterns, space-separated or repeated
    /// (<c>OrleansMl__Auth__Jwt__NamesClaim</c>); a token without it may use every name.
    /// </summary>
    public string NamesClaim { get; set; } = "orleansml_names";
}

/// <summary>
/// The console's OpenID Connect sign-in (section <c>OrleansMl:Auth:Oidc</c>): the authorization code flow with PKCE at the
/// issuer of <see cref="JwtAuthOptions.Authority"/>, whose access tokens the API then accepts.
/// </summary>
public sealed class OidcSignInOptions
{
    /// <summary>The longest value accepted for a client id or secret.</summary>
    public const int MaxLength = 1024;

    /// <summary>The console's client id at the identity provider (<c>OrleansMl__Auth__Oidc__ClientId</c>).</summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// The client secret of a confidential client (<c>OrleansMl__Auth__Oidc__ClientSecret</c>); without it the console is a
    /// public client and PKCE alone protects the code.
    /// </summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// The scopes asked for, space-separated (<c>OrleansMl__Auth__Oidc__Scopes</c>); by default <c>openid profile</c> and
    /// the five API scopes with <see cref="JwtAuthOptions.ScopePrefix"/>. The provider decides which the user gets.
    /// </summary>
    public string? Scopes { get; set; }

    /// <summary>The scopes to ask for, with <paramref name="prefix"/> before the API scopes of the default list.</summary>
    public IReadOnlyList<string> ScopesToRequest(string prefix) =>
        string.IsNullOrWhiteSpace(Scopes)
            ? ["openid", "profile", .. OrleansMl.Scopes.All.Select(s => prefix + s)]
            : Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal IEnumerable<string> Validate(bool tokensEnabled)
    {
        var clientId = !string.IsNullOrWhiteSpace(ClientId);
        if (clientId && !tokensEnabled)
        {
            yield return "Console sign-in (OrleansMl__Auth__Oidc__ClientId) needs OIDC tokens on the API: set OrleansMl__Auth__Jwt__Authority "
                + "(the issuer the console signs users in at) and OrleansMl__Auth__Jwt__Audience (the audience of its access tokens).";
        }

        if (!clientId && !string.IsNullOrEmpty(ClientSecret))
        {
            yield return "OrleansMl__Auth__Oidc__ClientSecret is set without OrleansMl__Auth__Oidc__ClientId: set the client id the secret belongs to.";
        }

        if (!clientId && !string.IsNullOrWhiteSpace(Scopes))
        {
            yield return "OrleansMl__Auth__Oidc__Scopes is set without OrleansMl__Auth__Oidc__ClientId: set the console's client id too.";
        }

        if (ClientId is { Length: > MaxLength } || ClientSecret is { Length: > MaxLength })
        {
            yield return $"OrleansMl__Auth__Oidc__ClientId and OrleansMl__Auth__Oidc__ClientSecret may have at most {MaxLength} characters.";
        }

        if (clientId && ClientId!.Any(char.IsWhiteSpace))
        {
            yield return $"OrleansMl__Auth__Oidc__ClientId '{ClientId}' contains spaces: set the client id exactly as the identity provider registered it.";
        }

        if (clientId && !string.IsNullOrWhiteSpace(Scopes) && !ScopesToRequest("").Contains("openid", StringComparer.Ordinal))
        {
            yield return $"OrleansMl__Auth__Oidc__Scopes '{Scopes}' lacks 'openid': sign-in with OpenID Connect asks for it, e.g. 'openid profile orleansml.read'.";
        }
    }
}
