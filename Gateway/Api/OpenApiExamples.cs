using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;

namespace OrleansMl.Gateway.Api;

/// <summary>Request bodies in the OpenAPI document: examples (and so the "try it" forms of <c>/docs</c>), and which are closed.</summary>
public static class OpenApiExamples
{
    /// <summary>Attaches an example body: JSON text for JSON media types, the literal text otherwise (e.g. CSV).</summary>
    public static TBuilder WithRequestExample<TBuilder>(this TBuilder builder, string contentType, string example) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestExample(contentType, example));

    /// <summary>Copies every <see cref="RequestExample"/> of an endpoint into its operation's request body.</summary>
    public static OpenApiOptions AddRequestExamples(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AddOperationTransformer((operation, context, _) =>
        {
            foreach (var example in context.Description.ActionDescriptor.EndpointMetadata.OfType<RequestExample>())
            {
                if (operation.RequestBody?.Content is { } content && content.TryGetValue(example.ContentType, out var media))
                {
                    media.Example = example.ContentType.Contains("json", StringComparison.Ordinal)
                        ? JsonNode.Parse(example.Example)
                        : JsonValue.Create(example.Example);
                }
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// Marks the schema of every body type that refuses fields it does not take (<see cref="JsonUnmappedMemberHandlingAttribute"/>
    /// with <see cref="JsonUnmappedMemberHandling.Disallow"/>) as closed, <c>additionalProperties: false</c>, so a client
    /// generated from the document knows a misspelled field is an error rather than ignored.
    /// </summary>
    public static OpenApiOptions AddClosedBodies(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.UnmappedMemberHandling == JsonUnmappedMemberHandling.Disallow)
            {
                schema.AdditionalPropertiesAllowed = false;
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>An example request body for one media type.</summary>
    public sealed record RequestExample(string ContentType, string Example);
}
