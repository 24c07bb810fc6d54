using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// Checks a <c>prompts/get</c> request against the prompt's declared arguments before the prompt is built: a missing
/// required argument, an unknown one or one that is not a string (prompt arguments are strings) is a JSON-RPC "invalid
/// params" error naming it. Left to the prompt's method, a missing argument failed to bind and came back as an internal
/// error that named nothing.
/// </summary>
internal static class PromptArgumentFilter
{
    public static McpRequestHandler<GetPromptRequestParams, GetPromptResult> Wrap(McpRequestHandler<GetPromptRequestParams, GetPromptResult> next) =>
        (context, cancellationToken) =>
        {
            if (context.Params?.Name is { } name && context.Server.ServerOptions.PromptCollection is { } prompts && prompts.TryGetPrimitive(name, out var prompt))
            {
                Validate(prompt.ProtocolPrompt, context.Params.Arguments);
            }

            return next(context, cancellationToken);
        };

    internal static void Validate(Prompt prompt, IDictionary<string, JsonElement>? arguments)
    {
        var declared = prompt.Arguments ?? [];
        var names = string.Join(", ", declared.Select(a => a.Name));
        foreach (var argument in declared.Where(a => a.Required is true))
        {
            if (arguments is null || !arguments.TryGetValue(argument.Name, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            {
                throw Invalid($"Missing required argument '{argument.Name}' for the prompt {prompt.Name}{Described(argument)}; its arguments are: {names}.");
            }
        }

        foreach (var (key, value) in arguments ?? new Dictionary<string, JsonElement>())
        {
            var argument = declared.FirstOrDefault(a => a.Name == key)
                ?? throw Invalid($"Unknown argument '{key}' for the prompt {prompt.Name}; its arguments are: {names}.");
            if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                throw Invalid($"Argument '{key}' must be a string{Described(argument)}.");
            }
        }
    }

    private static string Described(PromptArgument argument) =>
        argument.Description is { Length: > 0 } description ? $" ({description.TrimEnd('.')})" : string.Empty;

    private static McpProtocolException Invalid(string message) => new(message, McpErrorCode.InvalidParams);
}
