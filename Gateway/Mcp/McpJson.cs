using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using OrleansMl.Gateway.Extensions;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// The JSON of MCP tool arguments, results and resources: the same shape as REST (camelCase, lower-case enum words,
/// nulls written out), strict numbers so the generated schemas say "integer" and "number" (or null) plainly.
/// </summary>
internal static class McpJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static JsonElement ToElement<T>(T value) => JsonSerializer.SerializeToElement(value, Options);

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            NumberHandling = JsonNumberHandling.Strict,
            // The JSON also travels as text a model reads: keep quotes and '+' readable instead of \u0022 and \u002B.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = JsonTypeInfoResolver.Combine(McpJsonUtilities.DefaultOptions.TypeInfoResolver, new DefaultJsonTypeInfoResolver()),
        };
        GatewayExtensions.ConfigureJson(options);
        // Strict again after the REST settings: with named literals ("NaN") allowed, the schema of a nullable number is
        // number-or-literal without null, and MCP clients validate structured content against the output schemas.
        // Nothing non-finite reaches a tool result: metrics are filtered and a non-finite score is refused as a 400.
        options.NumberHandling = JsonNumberHandling.Strict;
        // Nulls are written: the generated output schemas list every property as required (nullable where it may be null).
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.MakeReadOnly();
        return options;
    }
}
