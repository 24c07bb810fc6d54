using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OrleansMl.Gateway.Security;

/// <summary>
/// The OpenAPI document says how to authenticate (an API key header, or a bearer key or token) and, per operation, which
/// scope it needs, so <c>/docs</c> can send a key and readers see the scope next to each route.
/// </summary>
internal static class OpenApiSecurity
{
    private const string ApiKey = "ApiKey";
    private const string Bearer = "Bearer";

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiKey] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
                Description = "An API key (POST /api/keys, or the admin key of OrleansMl__Auth__AdminKey).",
            };
            document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key, or an OIDC access token when OrleansMl__Auth__Jwt__Authority is set.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var required = context.Description.ActionDescriptor.EndpointMetadata.OfType<RequiresScopeAttribute>().LastOrDefault();
            if (required?.Scope is { } scope)
            {
                operation.Description = $"{operation.Description}{(string.IsNullOrEmpty(operation.Description) ? string.Empty : " ")}Scope: {scope}.";
                operation.Security =
                [
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKey, context.Document)] = [scope] },
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, context.Document)] = [scope] },
                ];
            }

            return Task.CompletedTask;
        });
    }
}
