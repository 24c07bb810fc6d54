using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;

namespace OrleansMl.Gateway.Api;

/// <summary>Request-body examples in the OpenAPI document (and so in the "try it" forms of <c>/docs</c>).</summary>
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

    /// <summary>An example request body for one media type.</summary>
    public sealed record RequestExample(string ContentType, string Example);
}
