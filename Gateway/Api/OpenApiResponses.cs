using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// The answers every operation of the OpenAPI document can give besides its own, so a client generated from it handles
/// them: 401 and 403 where a scope is required, 429 where the request rate is limited, 413 and 415 where a body is sent,
/// 503 where the cluster is asked. Each has the error body of its path: a ProblemDetails, or on the Open Inference
/// Protocol's routes its <c>{"error": "..."}</c>. Also the request body of a route that reads its body itself
/// (<see cref="WithDocumentedBody{TBody}"/>), without the content-type matching that declaring it with <c>Accepts</c> adds.
/// </summary>
public static class OpenApiResponses
{
    /// <summary>Documents <typeparamref name="TBody"/> as the route's request body in <paramref name="contentType"/>.</summary>
    public static RouteHandlerBuilder WithDocumentedBody<TBody>(this RouteHandlerBuilder builder, string contentType)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new DocumentedBody(typeof(TBody), contentType));
    }

    /// <summary>Adds the common answers (see the type) to every operation that does not list them already.</summary>
    public static OpenApiOptions AddCommonResponses(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AddOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<DocumentedBody>().LastOrDefault() is { } documented && operation.RequestBody is null)
            {
                var schema = await context.GetOrCreateSchemaAsync(documented.Type, null, cancellationToken);
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType> { [documented.ContentType] = new() { Schema = schema } },
                };
            }

            var scoped = metadata.OfType<RequiresScopeAttribute>().LastOrDefault()?.Scope is not null;
            if (!scoped)
            {
                // Open routes (health, the caller's own identity) answer from the gateway alone.
                return;
            }

            var protocol = context.Description.RelativePath?.StartsWith("v2/", StringComparison.Ordinal) == true;
            // The error bodies are components of the document (routes declare them with ProducesProblem and Produces): referred
            // to, not repeated in every answer.
            var error = new OpenApiMediaType { Schema = new OpenApiSchemaReference(protocol ? nameof(ErrorResponse) : nameof(ProblemDetails), context.Document) };
            var contentType = protocol ? "application/json" : "application/problem+json";
            operation.Responses ??= [];

            void Add(int status, string description)
            {
                var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (!operation.Responses.ContainsKey(key))
                {
                    operation.Responses[key] = new OpenApiResponse
                    {
                        Description = description,
                        Content = new Dictionary<string, OpenApiMediaType> { [contentType] = error },
                    };
                }
            }

            Add(StatusCodes.Status401Unauthorized, "No credentials, or a key or token that is not valid (WWW-Authenticate says how to authenticate).");
            Add(StatusCodes.Status403Forbidden, "The caller's key or token lacks the scope, or may not use this name; without credentials configured, a caller not on the gateway's machine.");
            if (!metadata.OfType<DisableRateLimitingAttribute>().Any())
            {
                Add(StatusCodes.Status429TooManyRequests, "Over the caller's request rate; Retry-After says when to try again.");
            }

            if (operation.RequestBody is not null)
            {
                Add(StatusCodes.Status413PayloadTooLarge, "The body is larger than the route takes.");
                Add(StatusCodes.Status415UnsupportedMediaType, "The body's Content-Type is not one the route takes (or it is compressed).");
            }

            Add(StatusCodes.Status503ServiceUnavailable, "The grain storage did not take a change (nothing changed), or the cluster did not answer; Retry-After: 5.");
        });
    }

    /// <summary>A request body a route reads itself, for the document.</summary>
    private sealed record DocumentedBody(Type Type, string ContentType);
}
