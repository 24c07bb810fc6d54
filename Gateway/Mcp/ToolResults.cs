using ModelContextProtocol.Protocol;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// Builds tool results: a sentence or two for the model to read (what happened, what to call next), the same data as
/// JSON text for clients that ignore structured content, and the typed object as structured content.
/// </summary>
internal static class ToolResults
{
    public static CallToolResult Structured<T>(T value, string summary) where T : class => new()
    {
        Content =
        [
            new TextContentBlock { Text = summary },
            new TextContentBlock { Text = McpJson.Serialize(value) },
        ],
        StructuredContent = McpJson.ToElement(value),
    };
}
